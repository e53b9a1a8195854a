#!/usr/bin/env python3
"""Deploys an application spec (JSON, written by tests/live_moto.rs) into an AWS endpoint (moto
server in the tests) through boto3, and applies drift operations to it afterwards.

    deploy.py ENDPOINT ACCOUNT REGION apply SPEC.json   -> prints credentials for ACCOUNT (JSON)
    deploy.py ENDPOINT ACCOUNT REGION drift OPS.json
    deploy.py ENDPOINT ACCOUNT REGION stack {"name": STACK, "template": TEMPLATE}  (CloudFormation)

Each test works in its own account (moto keys an assumed role's credentials to the role's
account), so tests sharing one server do not see each other's resources. This script is the
only thing that writes: fnguard itself only reads.
"""

import io
import json
import sys
import zipfile

import boto3

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def session(endpoint, account, region):
    root = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    creds = root.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/fnguard-test-deployer",
        RoleSessionName="fnguard-test",
    )["Credentials"]
    kw = dict(
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    return kw, {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }


def package(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in sorted(files.items()):
            z.writestr(name, text)
    return buf.getvalue()


def apply(kw, spec):
    c = lambda s: boto3.client(s, **kw)  # noqa: E731
    iam, lam, s3, sqs, sns, apigw = c("iam"), c("lambda"), c("s3"), c("sqs"), c("sns"), c("apigatewayv2")
    logs = c("logs")
    roles = {}
    for r in spec.get("roles", []):
        roles[r["name"]] = iam.create_role(
            RoleName=r["name"], AssumeRolePolicyDocument=json.dumps(TRUST)
        )["Role"]["Arn"]
        for pname, doc in r.get("policies", {}).items():
            iam.put_role_policy(RoleName=r["name"], PolicyName=pname, PolicyDocument=json.dumps(doc))
        for pname, doc in r.get("managed", {}).items():
            arn = iam.create_policy(PolicyName=pname, PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=r["name"], PolicyArn=arn)
    arns = {}
    for f in spec.get("functions", []):
        args = dict(
            FunctionName=f["name"],
            Runtime=f["runtime"],
            Role=roles[f["role"]],
            Handler=f["handler"],
            Code={"ZipFile": package(f.get("code", {"index.py": "def handler(event, context):\n    return {}\n"}))},
            MemorySize=f.get("memory", 128),
            Timeout=f.get("timeout", 3),
        )
        if f.get("env"):
            args["Environment"] = {"Variables": f["env"]}
        arns[f["name"]] = lam.create_function(**args)["FunctionArn"]
        if f.get("reserved") is not None:
            lam.put_function_concurrency(FunctionName=f["name"], ReservedConcurrentExecutions=f["reserved"])
        if f.get("url"):
            lam.create_function_url_config(FunctionName=f["name"], AuthType=f["url"])
            if f["url"] == "NONE":
                lam.add_permission(
                    FunctionName=f["name"],
                    StatementId="FunctionUrlPublic",
                    Action="lambda:InvokeFunctionUrl",
                    Principal="*",
                    FunctionUrlAuthType="NONE",
                )
        if f.get("log_retention"):
            group = f"/aws/lambda/{f['name']}"
            logs.create_log_group(logGroupName=group)
            logs.put_retention_policy(logGroupName=group, retentionInDays=f["log_retention"])
    for q in spec.get("queues", []):
        url = sqs.create_queue(
            QueueName=q["name"],
            Attributes={"VisibilityTimeout": str(q.get("visibility", 30)), "SqsManagedSseEnabled": "true"},
        )["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if q.get("function"):
            lam.create_event_source_mapping(
                EventSourceArn=qarn,
                FunctionName=q["function"],
                BatchSize=q.get("batch_size", 10),
                FunctionResponseTypes=["ReportBatchItemFailures"] if q.get("partial") else [],
            )
    for b in spec.get("buckets", []):
        s3.create_bucket(Bucket=b["name"])
        s3.put_public_access_block(
            Bucket=b["name"],
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        if b.get("function"):
            lam.add_permission(
                FunctionName=b["function"],
                StatementId=f"S3-{b['name']}",
                Action="lambda:InvokeFunction",
                Principal="s3.amazonaws.com",
                SourceArn=f"arn:aws:s3:::{b['name']}",
                SourceAccount=spec["account"],
            )
            s3.put_bucket_notification_configuration(
                Bucket=b["name"],
                NotificationConfiguration={
                    "LambdaFunctionConfigurations": [
                        {"LambdaFunctionArn": arns[b["function"]], "Events": b.get("events", ["s3:ObjectCreated:*"])}
                    ]
                },
            )
    for t in spec.get("topics", []):
        tarn = sns.create_topic(Name=t["name"])["TopicArn"]
        if t.get("function"):
            lam.add_permission(
                FunctionName=t["function"],
                StatementId=f"SNS-{t['name']}",
                Action="lambda:InvokeFunction",
                Principal="sns.amazonaws.com",
                SourceArn=tarn,
            )
            sns.subscribe(TopicArn=tarn, Protocol="lambda", Endpoint=arns[t["function"]])
    for a in spec.get("http_apis", []):
        api = apigw.create_api(Name=a["name"], ProtocolType="HTTP")["ApiId"]
        for route in a.get("routes", []):
            integ = apigw.create_integration(
                ApiId=api,
                IntegrationType="AWS_PROXY",
                IntegrationUri=arns[route["function"]],
                PayloadFormatVersion="2.0",
            )["IntegrationId"]
            apigw.create_route(ApiId=api, RouteKey=route["key"], Target=f"integrations/{integ}")
            lam.add_permission(
                FunctionName=route["function"],
                StatementId=f"Api-{api}-{integ}",
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:{kw['region_name']}:{spec['account']}:{api}/*",
            )
        stage = a.get("stage")
        if stage:
            args = dict(ApiId=api, StageName=stage["name"], AutoDeploy=True)
            if stage.get("rate") is not None:
                args["DefaultRouteSettings"] = {
                    "ThrottlingRateLimit": stage["rate"],
                    "ThrottlingBurstLimit": stage["burst"],
                }
            apigw.create_stage(**args)
    rest_apis(kw, spec, arns, lam)


def stack(kw, data):
    boto3.client("cloudformation", **kw).create_stack(
        StackName=data["name"], TemplateBody=json.dumps(data["template"])
    )


def physical(kw, op):
    """The function an operation names: directly, or as a stack's logical id."""
    if "function" in op:
        return op["function"]
    cfn = boto3.client("cloudformation", **kw)
    res = cfn.describe_stack_resource(StackName=op["stack"], LogicalResourceId=op["logical"])
    return res["StackResourceDetail"]["PhysicalResourceId"]


def rest_apis(kw, spec, arns, lam):
    rest = boto3.client("apigateway", **kw)
    region = kw["region_name"]
    for a in spec.get("rest_apis", []):
        api = rest.create_rest_api(name=a["name"], endpointConfiguration={"types": ["REGIONAL"]})["id"]
        root = [r for r in rest.get_resources(restApiId=api)["items"] if r["path"] == "/"][0]["id"]
        for route in a["routes"]:
            res = rest.create_resource(restApiId=api, parentId=root, pathPart=route["path"])["id"]
            rest.put_method(
                restApiId=api,
                resourceId=res,
                httpMethod=route["method"],
                authorizationType="NONE",
                apiKeyRequired=bool(route.get("api_key")),
            )
            rest.put_integration(
                restApiId=api,
                resourceId=res,
                httpMethod=route["method"],
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arns[route['function']]}/invocations",
            )
            lam.add_permission(
                FunctionName=route["function"],
                StatementId=f"Rest-{api}-{res}",
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:{region}:{spec['account']}:{api}/*",
            )
        deployment = rest.create_deployment(restApiId=api)["id"]
        rest.create_stage(restApiId=api, stageName=a["stage"], deploymentId=deployment)
        if a.get("plan"):
            rest.create_usage_plan(
                name=a["plan"]["name"],
                apiStages=[{"apiId": api, "stage": a["stage"]}],
                throttle={"rateLimit": a["plan"]["rate"], "burstLimit": a["plan"]["burst"]},
            )


def drift(kw, ops):
    lam = boto3.client("lambda", **kw)
    iam = boto3.client("iam", **kw)
    for op in ops:
        kind = op["op"]
        if kind == "configure":
            args = {k: v for k, v in op.items() if k not in ("op", "function", "stack", "logical")}
            lam.update_function_configuration(FunctionName=physical(kw, op), **args)
        elif kind == "attach_new_policy":
            arn = iam.create_policy(PolicyName=op["name"], PolicyDocument=json.dumps(op["document"]))["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=op["role"], PolicyArn=arn)
        elif kind == "attach_managed":
            iam.attach_role_policy(RoleName=op["role"], PolicyArn=op["arn"])
        elif kind == "put_role_policy":
            iam.put_role_policy(RoleName=op["role"], PolicyName=op["name"], PolicyDocument=json.dumps(op["document"]))
        elif kind == "url":
            lam.create_function_url_config(FunctionName=op["function"], AuthType=op["auth"])
        elif kind == "update_url":
            lam.update_function_url_config(FunctionName=op["function"], AuthType=op["auth"])
        elif kind == "delete_url":
            lam.delete_function_url_config(FunctionName=op["function"])
        elif kind == "concurrency":
            lam.put_function_concurrency(FunctionName=op["function"], ReservedConcurrentExecutions=op["reserved"])
        elif kind == "permission":
            lam.add_permission(
                FunctionName=op["function"],
                StatementId=op["sid"],
                Action=op.get("action", "lambda:InvokeFunction"),
                Principal=op["principal"],
            )
        elif kind == "delete_mapping":
            for m in lam.list_event_source_mappings(FunctionName=op["function"])["EventSourceMappings"]:
                lam.delete_event_source_mapping(UUID=m["UUID"])
        elif kind == "create_function":
            role = iam.get_role(RoleName=op["role"])["Role"]["Arn"]
            lam.create_function(
                FunctionName=op["function"],
                Runtime=op.get("runtime", "python3.12"),
                Role=role,
                Handler="index.handler",
                Code={"ZipFile": package({"index.py": "def handler(event, context):\n    return {}\n"})},
            )
        else:
            raise SystemExit(f"unknown drift operation {kind}")


def main():
    endpoint, account, region, verb, path = sys.argv[1:6]
    with open(path) as f:
        data = json.load(f)
    kw, env = session(endpoint, account, region)
    if verb == "apply":
        apply(kw, data)
    elif verb == "drift":
        drift(kw, data)
    elif verb == "stack":
        stack(kw, data)
    else:
        raise SystemExit(f"unknown verb {verb}")
    print(json.dumps(env))


if __name__ == "__main__":
    main()
