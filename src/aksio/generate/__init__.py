"""Generation: cards and quiz questions grounded in a course's pages, with or without a model."""
