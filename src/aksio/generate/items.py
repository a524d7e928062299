"""What every generator produces: pydantic models, whose JSON schema a model is asked to answer in and which check
its answer. Imported only when something is generated (pydantic costs some 50 ms to import)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from aksio.control_chars import without_controls

# a model's answer (or a page it quotes) never brings an escape sequence or a bidi override into the deck: they
# are removed as the answer is read, before it is checked or stored; newlines and tabs stay
CleanText = Annotated[str, AfterValidator(without_controls)]


class CardDraft(BaseModel):
    """A flashcard before it is checked and stored."""

    kind: Literal["basic", "cloze"] = Field(description="basic: question and answer; cloze: deletions in the front")
    front: CleanText = Field(
        description="the question; for cloze, the sentence with deletions written {{c1::hidden text}}",
    )
    back: CleanText = Field(description="the answer, short (a term or a phrase); may be empty for cloze")
    quote: CleanText = Field(description="the sentence the card rests on, copied verbatim from the cited page")
    page: int = Field(description="the page (1-based) the quote is on")


class CardDrafts(BaseModel):
    cards: list[CardDraft] = Field(description="the cards, one fact each")


class QuestionDraft(BaseModel):
    """A quiz question before it is checked and stored."""

    kind: Literal["multiple_choice", "true_false", "short_answer"] = Field(description="the type of question")
    prompt: CleanText = Field(description="the question as shown to the student")
    choices: list[CleanText] = Field(
        description='multiple_choice: exactly 4 options; true_false: ["True", "False"]; short_answer: []'
    )
    answer: CleanText = Field(description='the correct choice\'s text, "True"/"False", or the reference answer')
    explanation: CleanText = Field(description="why the answer is right, citing the source")
    difficulty: int = Field(ge=1, le=5, description="1 (recall a term) to 5 (apply several ideas)")
    quote: CleanText = Field(description="the sentence the question rests on, copied verbatim from the cited page")
    page: int = Field(description="the page (1-based) the quote is on")


class QuestionDrafts(BaseModel):
    questions: list[QuestionDraft] = Field(description="the questions, one correct answer each")
