package fnguard.require_tracing_test

import data.fnguard.require_tracing

test_an_untraced_function_is_denied if {
	result := require_tracing.deny with input as {"functions": [{"id": "Api", "tracing": null}]}
	count(result) == 1
}

test_a_traced_function_passes if {
	result := require_tracing.deny with input as {"functions": [{"id": "Api", "tracing": "Active"}]}
	count(result) == 0
}
