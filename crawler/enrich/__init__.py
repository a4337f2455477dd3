"""Enrichment: plain functions turning a posting's free text into the contract's columns.

The stages in crawler/pipelines/ call them; each function is usable on its own.
"""
