package fnguard.approved_runtimes_test

import data.fnguard.approved_runtimes

test_an_old_runtime_is_denied if {
	result := approved_runtimes.deny with input as {"functions": [{"id": "Old", "image": false, "runtime": "python3.8"}]}
	count(result) == 1
}

test_approved_runtimes_and_images_pass if {
	result := approved_runtimes.deny with input as {"functions": [
		{"id": "New", "image": false, "runtime": "python3.12"},
		{"id": "Image", "image": true, "runtime": null},
	]}
	count(result) == 0
}
