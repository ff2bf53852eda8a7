"""The fresh database a backup is restored into, and a local S3-compatible server for the
object storage tests: moto in server mode on the loopback, on a free port, started once per test
process and only by the tests that ask for it.

Each test gets a bucket of its own, and the default storage set to it by the settings module
itself (from S3_BUCKET and its companions), so that the settings a production server reads are
the ones tested. Nothing is read from the machine's AWS files: boto3 is pointed at /dev/null.
"""

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from django.db import connection

S3_REGION = "eu-west-3"
S3_CREDENTIALS = {"S3_ACCESS_KEY_ID": "cqpilot-tests", "S3_SECRET_ACCESS_KEY": "cqpilot-tests-cle"}
# boto3 reads ~/.aws/config and ~/.aws/credentials, and asks the instance metadata service (a
# non-local address) for credentials it lacks: neither belongs in a test run.
BOTO_ENVIRONMENT = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the tests' vendor, as an operator would create it for a restore."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "restauree.sqlite3")
        yield settings_dict
        return
    name = f"{settings_dict['NAME']}_restore"
    with postgres_connection(settings_dict, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    settings_dict["NAME"] = name
    yield settings_dict
    with postgres_connection(settings_dict, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_connection(settings_dict: dict, dbname: str) -> psycopg.Connection:
    params = {
        "dbname": dbname,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"],
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


@dataclass
class Bucket:
    """The test's bucket, read with boto3 directly rather than through cqpilot's storage."""

    name: str
    endpoint: str
    client: object

    def names(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=name)["Body"].read()

    def public_url(self, name: str) -> str:
        """The object's address without a signature, as anyone could type it."""
        return f"{self.endpoint}/{self.name}/{name}"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    saved = {name: os.environ.get(name) for name in BOTO_ENVIRONMENT}
    os.environ.update(BOTO_ENVIRONMENT)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_CREDENTIALS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["S3_SECRET_ACCESS_KEY"],
    )


def new_bucket(endpoint: str) -> Bucket:
    client = s3_client(endpoint)
    name = f"cqpilot-test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    return Bucket(name, endpoint, client)


def bucket_storage(monkeypatch, bucket: Bucket) -> dict:
    """The default storage the settings module gives for this bucket's variables."""
    from .test_deployment_settings import load_settings

    with monkeypatch.context() as environment:
        loaded = load_settings(
            environment,
            DEBUG="1",
            S3_BUCKET=bucket.name,
            S3_ENDPOINT_URL=bucket.endpoint,
            S3_REGION=S3_REGION,
            **S3_CREDENTIALS,
        )
    return loaded["STORAGES"]["default"]


@pytest.fixture
def s3_bucket(s3_endpoint, settings, monkeypatch, tmp_path) -> Bucket:
    """A new empty bucket, which the default storage now uses; MEDIA_ROOT points at a folder
    that does not exist, so that a file written on the disk instead would show."""
    bucket = new_bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": bucket_storage(monkeypatch, bucket)}
    settings.MEDIA_ROOT = tmp_path / "media-inutilise"
    return bucket
