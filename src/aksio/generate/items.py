"""What every generator produces: pydantic models, whose JSON schema a model is asked to answer in and which check
its answer. Imported only when something is generated (pydantic costs some 50 ms to import)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class CardDraft(BaseModel):
    """A flashcard before it is checked and stored."""

    kind: Literal["basic", "cloze"] = Field(description="basic: question and answer; cloze: deletions in the front")
    front: str = Field(
        description="the question; for cloze, the sentence with deletions written {{c1::hidden text}}",
    )
    back: str = Field(description="the answer, short (a term or a phrase); may be empty for cloze")
    quote: str = Field(description="the sentence the card rests on, copied verbatim from the cited page")
    page: int = Field(description="the page (1-based) the quote is on")


class CardDrafts(BaseModel):
    cards: list[CardDraft] = Field(description="the cards, one fact each")


class QuestionDraft(BaseModel):
    """A quiz question before it is checked and stored."""

    kind: Literal["multiple_choice", "true_false", "short_answer"] = Field(description="the type of question")
    prompt: str = Field(description="the question as shown to the student")
    choices: list[str] = Field(
        description='multiple_choice: exactly 4 options; true_false: ["True", "False"]; short_answer: []'
    )
    answer: str = Field(description='the correct choice\'s text, "True"/"False", or the reference answer')
    explanation: str = Field(description="why the answer is right, citing the source")
    difficulty: int = Field(ge=1, le=5, description="1 (recall a term) to 5 (apply several ideas)")
    quote: str = Field(description="the sentence the question rests on, copied verbatim from the cited page")
    page: int = Field(description="the page (1-based) the quote is on")


class QuestionDrafts(BaseModel):
    questions: list[QuestionDraft] = Field(description="the questions, one correct answer each")
