// expect: none
package main

import (
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
)

func handler(event map[string]interface{}) error {
	target := "/home"
	if event["lang"] == "fr" {
		target = "/fr/home"
	}
	http.Redirect(nil, nil, target, http.StatusFound)
	return nil
}

func main() {
	lambda.Start(handler)
}
