"""ftzshare: share the local part of incremental tax between FTZ areas and collaborative zones."""

__version__ = "0.1.0"
