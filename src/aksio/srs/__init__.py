"""Spaced repetition: FSRS scheduling, cloze cards, parameter fitting. Pure: no storage, no I/O."""
