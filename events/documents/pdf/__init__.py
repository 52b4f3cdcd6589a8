"""reportlab rendering: the certificate and the sign-in sheet."""
