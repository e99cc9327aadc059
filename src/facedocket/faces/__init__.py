"""The face engine: detection, alignment and embeddings behind one narrow interface."""
