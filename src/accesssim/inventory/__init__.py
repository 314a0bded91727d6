"""Inventories in: a model built from tabular sources (CSV, XLSX, Parquet), each element
citing its row."""
