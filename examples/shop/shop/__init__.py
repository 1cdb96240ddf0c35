"""shop: the wheelbarrow demo application."""
__version__ = "2.3.0"
