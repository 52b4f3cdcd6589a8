"""The no-middleware baseline of issue 30: bench/settings_bench.py with no middleware but
the health check, which answers /healthz (the harness waits for it) and looks at nothing
else. Its /bench/bare/ view is one query and a tiny template, as in bench/urls_bench.py.

Never used by the product.
"""

from bench.settings_bench import *  # noqa: F403

MIDDLEWARE = ["trafficking_training.middleware.HealthCheckMiddleware"]
