"""Sound: shaped samples, voice plans, the pyo voice graph and offline rendering.

Nothing here is imported by the model or the compiler; importing this package does
not start pyo (the graph imports it on first use).
"""
