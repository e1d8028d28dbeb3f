"""LanguageModelEvaluator: bits per character on the end of the corpus, an n-gram beside it, a blessing."""
