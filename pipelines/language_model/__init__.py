"""The language-model pipeline: a text corpus -> a character language model -> bits per character -> push."""
