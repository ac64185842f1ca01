#!/usr/bin/python3
"""End-to-end check of a running secondvoice-scheduler, from outside the C++ code base.

Uses only Debian's python3-grpcio: no generated stubs, no grpc_health or grpc_reflection
packages (Debian does not ship them). Requests are hand-encoded protobuf bytes and responses
are read by the tiny wire decoder below, so the check shares no code with the server.

  /usr/bin/python3 tests/e2e/grpc_check.py --addr 127.0.0.1:7070 --wait 30
"""

import argparse
import sys
import time

import grpc

EXPECTED_SERVICES = [
    "secondvoice.v1.DealerService",
    "secondvoice.v1.CampaignService",
    "secondvoice.v1.LeadService",
    "secondvoice.v1.AdminService",
    "grpc.health.v1.Health",
]
SERVING_STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
RPC_TIMEOUT = 5.0


class CheckFailed(Exception):
    pass


def read_varint(data, pos):
    value = shift = 0
    while True:
        if pos >= len(data):
            raise CheckFailed("truncated varint in response")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def decode(data):
    """Protobuf wire format -> {field number: [values]} (varints as int, the rest as bytes)."""
    fields = {}
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = read_varint(data, pos)
        elif wire_type == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire_type == 2:
            length, pos = read_varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire_type == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise CheckFailed(f"unsupported wire type {wire_type} in response")
        if pos > len(data):
            raise CheckFailed("truncated field in response")
        fields.setdefault(number, []).append(value)
    return fields


def health(channel, wait_seconds):
    # HealthCheckRequest{service: ""} is the empty message; the reply's field 1 is the status.
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            reply = decode(check(b"", timeout=RPC_TIMEOUT))
            state = SERVING_STATUS.get(reply.get(1, [0])[-1], "?")
        except grpc.RpcError as e:
            state = f"{e.code().name}: {e.details()}"
        if state == "SERVING":
            print("health: SERVING")
            return
        if time.monotonic() >= deadline:
            raise CheckFailed(f"health: not serving after {wait_seconds}s (last: {state})")
        time.sleep(0.25)


def list_services(channel):
    info = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
    # ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
    try:
        replies = list(info(iter([b"\x3a\x00"]), timeout=RPC_TIMEOUT))
    except grpc.RpcError as e:
        raise CheckFailed(f"reflection: {e.code().name}: {e.details()}") from e
    if not replies:
        raise CheckFailed("reflection: no response")
    reply = decode(replies[0])
    if 7 in reply:  # error_response{error_code = 1, error_message = 2}
        error = decode(reply[7][0])
        message = error.get(2, [b""])[0].decode(errors="replace")
        raise CheckFailed(f"reflection: error {error.get(1, ['?'])[0]}: {message}")
    if 6 not in reply:
        raise CheckFailed("reflection: response has no list_services_response")
    # ListServiceResponse{repeated ServiceResponse service = 1}, ServiceResponse{name = 1}.
    return [decode(s).get(1, [b""])[0].decode() for s in decode(reply[6][0]).get(1, [])]


def unauthenticated_call_refused(channel):
    # The auth seam: an API call without a token must be refused before it reaches the domain.
    get_status = channel.unary_unary("/secondvoice.v1.AdminService/GetStatus")
    try:
        get_status(b"", timeout=RPC_TIMEOUT)
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.UNAUTHENTICATED:
            print("auth: call without a token refused (UNAUTHENTICATED)")
            return
        raise CheckFailed(f"auth: call without a token gave {e.code().name}, "
                          "want UNAUTHENTICATED") from e
    raise CheckFailed("auth: AdminService/GetStatus succeeded without a token")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", required=True, help="HOST:PORT of the daemon")
    parser.add_argument("--wait", type=float, default=0,
                        help="seconds to keep retrying until the health check says SERVING")
    args = parser.parse_args()

    try:
        with grpc.insecure_channel(args.addr) as channel:
            health(channel, args.wait)
            services = list_services(channel)
            print("services:", *sorted(services), sep="\n  ")
            missing = [s for s in EXPECTED_SERVICES if s not in services]
            if missing:
                raise CheckFailed("reflection: not listed: " + ", ".join(missing))
            unauthenticated_call_refused(channel)
    except CheckFailed as e:
        print(f"grpc_check: FAILED against {args.addr}: {e}", file=sys.stderr)
        return 1
    print(f"grpc_check: OK against {args.addr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
