"""What every generator produces (the LLM ones use these models as their JSON schema) and what it reads."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from aksio.modelbase import Model


class CardDraft(Model):
    """A flashcard before it is checked and stored."""

    kind: Literal["basic", "cloze"] = Field(description="basic: question and answer; cloze: deletions in the front")
    front: str = Field(
        description="the question; for cloze, the sentence with deletions written {{c1::hidden text}}",
    )
    back: str = Field(description="the answer, short (a term or a phrase); may be empty for cloze")
    quote: str = Field(description="the sentence the card rests on, copied verbatim from the cited page")
    page: int = Field(description="the page (1-based) the quote is on")


class CardDrafts(Model):
    cards: list[CardDraft] = Field(description="the cards, one fact each")


class QuestionDraft(Model):
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


class QuestionDrafts(Model):
    questions: list[QuestionDraft] = Field(description="the questions, one correct answer each")


class SectionInput(Model):
    """The text of one section of a document, page by page (page numbers 1-based, as in the document)."""

    document_id: str
    document_title: str
    section_id: str | None
    section_title: str
    pages: list[tuple[int, str]]
