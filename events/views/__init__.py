"""Views, one module per area: catalog, registration, checkin, certificates, privacy."""
