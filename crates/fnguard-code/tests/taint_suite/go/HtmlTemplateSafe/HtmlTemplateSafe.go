// expect: none
package main

import (
	"bytes"
	"html/template"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

var page = template.Must(template.New("p").Parse("<p>Hello {{.}}</p>"))

func handler(event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var buf bytes.Buffer
	page.Execute(&buf, event.QueryStringParameters["name"])
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: buf.String()}, nil
}

func main() {
	lambda.Start(handler)
}
