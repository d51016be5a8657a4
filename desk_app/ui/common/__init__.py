"""Small pieces every screen shares: asking, plain text, errors, formatting, layouts,
the stylesheet and the icons."""
