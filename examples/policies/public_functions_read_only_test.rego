package fnguard.public_functions_read_only_test

import data.fnguard.public_functions_read_only

public_deleter := {
	"id": "Hook",
	"url": {"auth_type": "NONE"},
	"triggers": [],
	"permissions": [{"effect": "Allow", "not_action": false, "actions": ["dynamodb:DeleteItem"]}],
}

test_a_public_function_that_deletes_is_denied if {
	result := public_functions_read_only.deny with input as {"functions": [public_deleter]}
	count(result) == 1
}

test_an_internal_function_may_delete if {
	internal := object.union(public_deleter, {"url": null, "triggers": [{"type": "sqs"}]})
	result := public_functions_read_only.deny with input as {"functions": [internal]}
	count(result) == 0
}

test_a_public_reader_passes if {
	reader := object.union(public_deleter, {"permissions": [{"effect": "Allow", "not_action": false, "actions": ["dynamodb:GetItem"]}]})
	result := public_functions_read_only.deny with input as {"functions": [reader]}
	count(result) == 0
}

test_the_vpc_execution_policy_is_the_service_s if {
	vpc := object.union(public_deleter, {"permissions": [{
		"effect": "Allow",
		"not_action": false,
		"actions": ["ec2:DeleteNetworkInterface"],
		"managed_policy": "AWSLambdaVPCAccessExecutionRole",
	}]})
	result := public_functions_read_only.deny with input as {"functions": [vpc]}
	count(result) == 0
}
