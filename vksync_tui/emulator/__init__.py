"""A faithful local VK API: deterministic world, methods, VKScript execute, rate limits, faults, churn."""
