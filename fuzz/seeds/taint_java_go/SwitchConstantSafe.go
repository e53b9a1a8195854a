// expect: none
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

var db *sql.DB

type request struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

func handler(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	q := event.QueryStringParameters["q"]
	var req request
	if err := json.Unmarshal([]byte(event.Body), &req); err != nil {
		return events.APIGatewayProxyResponse{StatusCode: 400}, nil
	}
	mode := "b"
	v := q
	switch mode {
	case "a":
		v = q
	case "b":
		v = "fixed"
	}
	exec.Command("echo", v).Run()
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	lambda.Start(handler)
}

// Keep every import used whatever the case's body.
var _ = fmt.Sprint
var _ = http.Get
var _ = os.Open
var _ = exec.Command
var _ = filepath.Join
var _ = strconv.Atoi
