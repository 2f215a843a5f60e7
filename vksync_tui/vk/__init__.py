"""VK API access: the HTTP client, typed errors, execute batching and the rate-limited token pool."""
