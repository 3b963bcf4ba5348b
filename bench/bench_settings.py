"""The site's settings for bench/pages_http.py: its URLs gain one bare view; everything else as served."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
