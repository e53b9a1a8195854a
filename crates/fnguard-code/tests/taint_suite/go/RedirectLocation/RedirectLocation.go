// expect: FG519
package main

import (
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

func login(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusFound)
}

func handler(event map[string]interface{}) error {
	next, _ := event["next"].(string)
	http.Redirect(nil, nil, next, http.StatusFound)
	return nil
}

func main() {
	_ = httpadapter.New(http.HandlerFunc(login))
	lambda.Start(handler)
}
