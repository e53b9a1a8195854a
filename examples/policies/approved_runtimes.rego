# METADATA
# title: runtime-not-approved
# description: Functions run only on the runtimes the platform team supports and patches.
# custom:
#   id: ORG002
#   severity: medium
#   practice: 9
#   fix: Move the function to one of the approved runtimes (python3.12, python3.13, nodejs20.x, nodejs22.x, java21, provided.al2023).
package fnguard.approved_runtimes

approved := {"python3.12", "python3.13", "nodejs20.x", "nodejs22.x", "java21", "provided.al2023"}

deny contains finding if {
	some f in input.functions
	not f.image
	is_string(f.runtime)
	not approved[f.runtime]
	finding := {
		"id": f.id,
		"message": sprintf("function `%s` runs on %s, which is not an approved runtime", [f.id, f.runtime]),
	}
}
