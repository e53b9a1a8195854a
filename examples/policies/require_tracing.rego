# METADATA
# title: function-not-traced
# description: Every function is traced, so that a request can be followed across services.
# custom:
#   id: ORG001
#   severity: low
#   practice: 6
#   fix: "Set Tracing: Active (SAM Globals.Function.Tracing; serverless provider.tracing.lambda: true; Terraform tracing_config { mode = \"Active\" })."
package fnguard.require_tracing

deny contains finding if {
	some f in input.functions
	f.tracing != "Active"
	finding := {
		"id": f.id,
		"message": sprintf("function `%s` is not traced (tracing: %v)", [f.id, f.tracing]),
	}
}
