"""DeepSeek Local: a desktop chat app for DeepSeek models running on this machine."""

__version__ = "0.1.0"
