# METADATA
# title: public-function-can-delete
# description: A function anyone can call (a function URL without auth, or an API route) may read data but never delete it; deletions go through an internal function.
# custom:
#   id: ORG003
#   severity: high
#   practice: 3
#   fix: Remove the Delete* actions from the public function's role and move deletions behind an authenticated, internal function.
package fnguard.public_functions_read_only

public(f) if f.url.auth_type == "NONE"

public(f) if {
	some t in f.triggers
	t.type in {"api", "alb"}
}

# AWS managed policies Lambda itself uses to attach the function to a VPC: their
# ec2:DeleteNetworkInterface is the service's, not the code's.
service_managed := {"AWSLambdaVPCAccessExecutionRole", "AWSLambdaENIManagementAccess"}

deny contains finding if {
	some f in input.functions
	public(f)
	some p in f.permissions
	p.effect == "Allow"
	not p.not_action
	not service_managed[p.managed_policy]
	some action in p.actions
	deletes(action)
	finding := {
		"id": f.id,
		"message": sprintf("public function `%s` may call `%s`", [f.id, action]),
	}
}

deletes(action) if {
	verb := split(action, ":")[1]
	startswith(lower(verb), "delete")
}

deletes(action) if action == "*"

deletes(action) if endswith(action, ":*")
