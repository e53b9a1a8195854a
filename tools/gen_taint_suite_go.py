#!/usr/bin/env python3
"""Writes the Go cases of the taint fixture suite (crates/fnguard-code/tests/taint_suite/go).

A Go package is a directory, so each case is a directory `<Name>/` holding `<Name>.go`, a
`main` package whose `lambda.Start` names the handler. Its first line names the rules it must
trigger (`// expect: FG501`) or `none`.
"""
import os
import shutil

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "fnguard-code", "tests", "taint_suite", "go")

HEAD = """// expect: {expect}
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

type request struct {{
	Name string `json:"name"`
	Path string `json:"path"`
}}

func handler(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {{
	q := event.QueryStringParameters["q"]
	var req request
	if err := json.Unmarshal([]byte(event.Body), &req); err != nil {{
		return events.APIGatewayProxyResponse{{StatusCode: 400}}, nil
	}}
	{body}
	return events.APIGatewayProxyResponse{{StatusCode: 200}}, nil
}}

func main() {{
	lambda.Start(handler)
}}

// Keep every import used whatever the case's body.
var _ = fmt.Sprint
var _ = http.Get
var _ = os.Open
var _ = exec.Command
var _ = filepath.Join
var _ = strconv.Atoi
"""

API = [
    ("CmdShell", "FG501", 'exec.Command("sh", "-c", "convert "+q).Run()'),
    ("CmdBodyField", "FG501", 'exec.CommandContext(ctx, req.Name).Run()'),
    ("CmdConstantSafe", "none", 'exec.Command("date").Run()'),
    ("CmdNumberSafe", "none", 'n, _ := strconv.Atoi(q)\n\texec.Command("sleep", strconv.Itoa(n)).Run()'),
    ("SqlSprintf", "FG504", 'db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = \'%s\'", q))'),
    ("SqlConcatContext", "FG504", 'query := "DELETE FROM orders WHERE id = " + req.Name\n\tdb.ExecContext(ctx, query)'),
    ("SqlPlaceholderSafe", "none", 'db.QueryRow("SELECT * FROM users WHERE name = $1", q)'),
    ("PathJoin", "FG506", 'os.ReadFile(filepath.Join("/var/data", req.Path))'),
    ("PathBaseSafe", "none", 'os.ReadFile(filepath.Join("/var/data", filepath.Base(req.Path)))'),
    ("SsrfGet", "FG507", 'http.Get(q)'),
    ("SsrfNewRequest", "FG507", 'r, _ := http.NewRequestWithContext(ctx, "GET", "http://"+req.Name+"/status", nil)\n\thttp.DefaultClient.Do(r)'),
    ("SsrfFixedHostSafe", "none", 'http.Get("https://api.example.com/items?id=" + strconv.Quote(fmt.Sprint(len(q))))'),
    ("SsrfSprintfQuerySafe", "none", 'http.Get(fmt.Sprintf("https://%s/r4/Patient?_lastUpdated=ge%s", os.Getenv("ENDPOINT"), q))'),
    ("SsrfSprintfHost", "FG507", 'http.Get(fmt.Sprintf("https://%s/status", req.Name))'),
    ("MapOtherKeySafe", "none", 'm := map[string]string{"a": "constant", "b": q}\n\texec.Command("echo", m["a"]).Run()'),
    ("HelperFunction", "FG506", 'os.Remove(resolve(q))'),
    ("HelperFunctionSafe", "none", 'os.Remove(resolve("tmp.txt"))'),
    ("SwitchConstantSafe", "none", 'mode := "b"\n\tv := q\n\tswitch mode {\n\tcase "a":\n\t\tv = q\n\tcase "b":\n\t\tv = "fixed"\n\t}\n\texec.Command("echo", v).Run()'),
]

HELPER = """
func resolve(name string) string {
	return "/tmp/data/" + name
}
"""

OTHER = {
    "SqsRecords": ("FG504", """// expect: FG504
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
"""),
    "TemplateHtml": ("FG518", """// expect: FG518
package main

import (
	"bytes"
	"text/template"

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
"""),
    "OtherFileOfPackage": ("FG501", """// expect: FG501
package main

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(event events.APIGatewayV2HTTPRequest) (string, error) {
	return run(event.PathParameters["tool"]), nil
}

func main() {
	lambda.Start(handler)
}
"""),
}

OTHER.update({
    "RedirectLocation": ("FG519", """// expect: FG519
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
"""),
    "LdapFilter": ("FG520", """// expect: FG520
package main

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/go-ldap/ldap/v3"
)

func handler(event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	uid := event.QueryStringParameters["uid"]
	req := ldap.NewSearchRequest("ou=people,dc=example,dc=com", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=person)(uid="+uid+"))", []string{"cn"}, nil)
	_ = req
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	lambda.Start(handler)
}
"""),
    "LdapEscapedSafe": ("none", """// expect: none
package main

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/go-ldap/ldap/v3"
)

func handler(event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	uid := ldap.EscapeFilter(event.QueryStringParameters["uid"])
	req := ldap.NewSearchRequest("ou=people,dc=example,dc=com", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=person)(uid="+uid+"))", []string{"cn"}, nil)
	_ = req
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	lambda.Start(handler)
}
"""),
    "XpathQuery": ("FG521", """// expect: FG521
package main

import (
	"strings"

	"github.com/antchfx/xmlquery"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

const users = "<users><user name='admin'/></users>"

func handler(event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	doc, _ := xmlquery.Parse(strings.NewReader(users))
	nodes := xmlquery.Find(doc, "//user[@name='"+event.PathParameters["name"]+"']")
	return events.APIGatewayProxyResponse{StatusCode: 200 + len(nodes)}, nil
}

func main() {
	lambda.Start(handler)
}
"""),
    "EventLogged": ("FG511", """// expect: FG511
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log.Printf("request: %+v", event)
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	lambda.Start(handler)
}
"""),
    "SecretLogged": ("FG516", """// expect: FG516
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

var sm *secretsmanager.Client

func handler(ctx context.Context, event map[string]string) error {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(os.Getenv("SECRET_ID"))})
	if err != nil {
		return err
	}
	log.Println("using key", *out.SecretString)
	return nil
}

func main() {
	lambda.Start(handler)
}
"""),
})

OTHER.update({
    "LoggedFieldSafe": ("none", """// expect: none
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log.Printf("request for %s", event.Path)
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	lambda.Start(handler)
}
"""),
    "SecretUsedSafe": ("none", """// expect: none
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

var sm *secretsmanager.Client

func handler(ctx context.Context, event map[string]string) error {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(os.Getenv("SECRET_ID"))})
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.example.com/v1/items", nil)
	req.Header.Set("Authorization", "Bearer "+*out.SecretString)
	log.Println("calling the items API")
	_, err = http.DefaultClient.Do(req)
	return err
}

func main() {
	lambda.Start(handler)
}
"""),
    "HtmlTemplateSafe": ("none", """// expect: none
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
"""),
    "RedirectConstantSafe": ("none", """// expect: none
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
"""),
    "XpathConstantSafe": ("none", """// expect: none
package main

import (
	"strings"

	"github.com/antchfx/xmlquery"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

const users = "<users><user name='admin'/></users>"

func handler(event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	doc, _ := xmlquery.Parse(strings.NewReader(event.Body))
	nodes := xmlquery.Find(doc, "//user[@name='admin']")
	return events.APIGatewayProxyResponse{StatusCode: 200 + len(nodes)}, nil
}

func main() {
	lambda.Start(handler)
}
"""),
})

# Files beside a case's main file (same package).
EXTRA = {
    "OtherFileOfPackage": ("tools.go", """package main

import "os/exec"

func run(tool string) string {
	out, _ := exec.Command(tool, "--version").Output()
	return string(out)
}
"""),
}


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for name, expect, body in API:
        d = os.path.join(OUT, name)
        os.makedirs(d)
        text = HEAD.format(expect=expect, body=body)
        if "resolve(" in body:
            text += HELPER
        with open(os.path.join(d, f"{name}.go"), "w") as fh:
            fh.write(text)
    for name, (_, text) in OTHER.items():
        d = os.path.join(OUT, name)
        os.makedirs(d)
        with open(os.path.join(d, f"{name}.go"), "w") as fh:
            fh.write(text)
        if name in EXTRA:
            fname, extra = EXTRA[name]
            with open(os.path.join(d, fname), "w") as fh:
                fh.write(extra)
    print(len(API) + len(OTHER), "go cases")


if __name__ == "__main__":
    main()
