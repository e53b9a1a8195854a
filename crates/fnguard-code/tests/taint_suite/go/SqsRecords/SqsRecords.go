// expect: FG504
package main

import (
	"context"
	"database/sql"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

var db *sql.DB

func handle(ctx context.Context, event events.SQSEvent) error {
	for _, record := range event.Records {
		if _, err := db.Exec("INSERT INTO audit VALUES ('" + record.Body + "')"); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	lambda.Start(handle)
}
