"""What the platform hands out: QR codes, PDFs, calendar files, badges, exports, emails."""
