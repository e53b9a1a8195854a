# Convenience targets; the README's two commands need nothing but cargo.
.PHONY: layer
layer: ## the fnguard-shield Lambda layer zip (x86_64)
	scripts/build-shield-layer.sh
