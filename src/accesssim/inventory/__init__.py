"""Inventories in: a model built from tabular sources (CSV, XLSX, Parquet), every element citing its row."""
