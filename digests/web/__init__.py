"""What every response goes through: security headers, error pages, the
sign-in lockout page, /healthz, the template context and a worker's warm-up."""
