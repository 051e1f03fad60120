"""FAQ matching: normalisation, the index, evaluation, the snapshot the bot answers from."""
