"""Backbones: timm feature extractors with embedded, hub or file weights."""

from adbench.backbones.extractor import FeatureExtractor, resolve_layers
from adbench.backbones.weights import WEIGHT_SOURCES

__all__ = ["WEIGHT_SOURCES", "FeatureExtractor", "resolve_layers"]
