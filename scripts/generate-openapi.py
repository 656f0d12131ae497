#!/usr/bin/env python3
"""Writes docs/openapi.json (the REST API's OpenAPI 3 document, docs/http-api.md) and
Sources/LVSHTTP/OpenAPIDocument.swift (the same bytes as a Swift literal, served at
/api/v1/openapi.json). Edit this script, run it, commit both outputs; a test checks they agree."""
import json, os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ref = lambda name: {"$ref": f"#/components/schemas/{name}"}
uint = {"type": "integer", "minimum": 0}
nullable = lambda schema: {"anyOf": [schema, {"type": "null"}]}
stats = {"type": "object", "required": ["connections", "in_packets", "out_packets", "in_bytes", "out_bytes"],
         "properties": {k: uint for k in ["connections", "in_packets", "out_packets", "in_bytes", "out_bytes"]}}
rates = {"type": "object", "properties": {k: uint for k in [
    "connections_per_second", "in_packets_per_second", "out_packets_per_second", "in_bytes_per_second",
    "out_bytes_per_second"]}}
tunnel = {"type": "object", "properties": {
    "type": {"type": "string", "enum": ["ipip", "gue", "gre"]}, "port": nullable({"type": "integer", "minimum": 0, "maximum": 65535}),
    "checksum": nullable({"type": "string", "enum": ["none", "checksum", "remote_checksum"]})}}
real_server_input = {"type": "object", "properties": {
    "address": {"type": "string", "example": "192.168.10.1"}, "port": {"type": "integer", "minimum": 0, "maximum": 65535},
    "forwarding": {"type": "string", "enum": ["masquerading", "local", "tunnelling", "direct_routing", "bypass", "proxy"]},
    "weight": {"type": "integer", "minimum": 0, "maximum": 65535},
    "upper_threshold": {"type": "integer", "minimum": 0, "maximum": 4294967295},
    "lower_threshold": {"type": "integer", "minimum": 0, "maximum": 4294967295},
    "tunnel": nullable(tunnel), "proxy_protocol": nullable({"type": "string", "enum": ["none", "v1", "v2"]}),
    "transparent_source": {"type": "boolean"}}}
real_server = {"type": "object", "required": ["address", "port", "forwarding", "weight", "active_connections",
                                             "inactive_connections", "stats", "rates"],
               "properties": dict(real_server_input["properties"], **{
                   "active_connections": uint, "inactive_connections": uint, "persistent_connections": uint,
                   "overloaded": {"type": "boolean"}, "stats": stats, "rates": rates,
                   "drained_idle": {"type": "boolean"}})}
real_server_input = dict(real_server_input, required=["address"])
service_input = {"type": "object", "properties": {
    "fwmark": nullable({"type": "integer", "minimum": 1, "maximum": 4294967295}),
    "family": {"type": "string", "enum": ["ipv4", "ipv6"]},
    "protocol": nullable({"type": "string", "enum": ["tcp", "udp", "sctp"]}),
    "address": nullable({"type": "string", "example": "10.0.0.1"}),
    "port": nullable({"type": "integer", "minimum": 0, "maximum": 65535}),
    "scheduler": {"type": "string", "example": "rr"}, "scheduler_flags": {"type": "array", "items": {"type": "string"}},
    "persistent": {"type": "boolean"}, "persistence_timeout": nullable({"type": "integer", "minimum": 1, "maximum": 2678400}),
    "netmask": {"type": "string"}, "persistence_engine": nullable({"type": "string"}),
    "one_packet_scheduling": {"type": "boolean"}}}
service = {"type": "object", "required": ["fwmark", "family", "protocol", "address", "port", "scheduler", "stats",
                                         "rates", "real_servers"],
           "properties": dict(service_input["properties"], stats=stats, rates=rates,
                              real_servers={"type": "array", "items": ref("RealServer")})}
error = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["kind", "message"],
    "properties": {"kind": {"type": "string"}, "message": {"type": "string"}}}}}
timeouts = {"type": "object", "properties": {k: {"type": "integer", "minimum": 0, "maximum": 2678400} for k in ["tcp", "tcp_fin", "udp"]}}

event = {"type": "object", "required": ["seq", "time", "kind", "reason", "fields"], "properties": {
    "seq": {"type": "integer", "minimum": 1}, "time": {"type": "string", "example": "2026-12-07T14:49:17.123Z"},
    "kind": {"type": "string", "enum": ["transaction", "health", "weight", "drain_finished", "vrrp", "reload", "sync"]},
    "reason": {"type": "string"}, "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}
# The explanation travels as the control reply's Codable encoding (`lvsadm --explain --json`):
# camelCase members, absent when nil, families and protocols as their numbers (2, 10; 6, 17, 132).
port_schema = {"type": "integer", "minimum": 0, "maximum": 65535}
real_server_key = {"type": "object", "required": ["address", "port"], "properties": {"address": {"type": "string"}, "port": port_schema}}
service_id = {"type": "object", "required": ["firewallMark", "family", "protocolNumber", "address", "port"], "properties": {
    "firewallMark": uint, "family": {"type": "integer"}, "protocolNumber": {"type": "integer"},
    "address": {"type": "string"}, "port": port_schema}}
explained_real_server = {"type": "object", "required": [
    "key", "weight", "activeConnections", "inactiveConnections", "persistentConnections", "overloaded", "verdict", "reason"],
    "properties": {"key": ref("RealServerKey"), "weight": {"type": "integer"}, "activeConnections": {"type": "integer"},
                   "inactiveConnections": {"type": "integer"}, "persistentConnections": {"type": "integer"},
                   "overloaded": {"type": "boolean"}, "health": {"type": "string"},
                   "verdict": {"type": "string", "enum": ["chosen", "weightZero", "overloaded", "unhealthy", "notPreferred", "notConsidered"]},
                   "reason": {"type": "string"}}}
explanation = {"type": "object", "required": ["decision", "realServers", "notes"], "properties": {
    "service": ref("ServiceID"), "scheduler": {"type": "string"},
    "decision": {"type": "string", "enum": ["noService", "connectionEntry", "persistenceTemplate", "scheduler", "noRealServer"]},
    "chosen": ref("RealServerKey"), "connection": {"type": "object"},
    "persistence": {"type": "object", "required": ["netmask", "network", "virtualPort", "timeout", "valid"], "properties": {
        "netmask": {"type": "string"}, "network": {"type": "string"}, "virtualPort": port_schema, "timeout": uint,
        "realServer": ref("RealServerKey"), "expiresIn": uint, "valid": {"type": "boolean"}}},
    "hashRow": {"type": "object", "required": ["scheduler", "key", "row", "tableSize", "fallback"], "properties": {
        "scheduler": {"type": "string"}, "key": {"type": "string"}, "row": uint, "tableSize": uint,
        "owner": ref("RealServerKey"), "fallback": {"type": "boolean"}}},
    "realServers": {"type": "array", "items": explained_real_server},
    "notes": {"type": "array", "items": {"type": "string"}}}}

def json_body(schema):
    return {"content": {"application/json": {"schema": schema}}}

def err(description):
    return dict(json_body(ref("Error")), description=description)

def responses(ok_status, ok_description, ok_schema=None, *errors):
    out = {ok_status: {"description": ok_description}}
    if ok_schema is not None:
        out[ok_status].update(json_body(ok_schema))
    common = {"400": "Bad input", "401": "Credentials needed", "404": "No such service or real server",
              "409": "Already exists, or the configuration could not be reloaded", "413": "Body too large",
              "415": "Body is not JSON"}
    for code in errors:
        out[code] = err(common[code])
    out["401"] = err(common["401"])
    return out

service_params = {
    "protocol": [{"name": "protocol", "in": "path", "required": True, "schema": {"type": "string", "enum": ["tcp", "udp", "sctp"]}},
                 {"name": "address", "in": "path", "required": True, "schema": {"type": "string"}, "example": "10.0.0.1"},
                 {"name": "port", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": 65535}, "example": 80}],
    "kind": [{"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": ["fwmark", "fwmark6"]}},
             {"name": "mark", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 4294967295}, "example": 1}],
}
rs_params = [{"name": "rs_address", "in": "path", "required": True, "schema": {"type": "string"}, "example": "192.168.10.1"},
             {"name": "rs_port", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": 65535}, "example": 80}]
write_errors = ("400", "404", "413", "415")

paths = {
    "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": responses("200", "The OpenAPI document", {"type": "object"})}},
    "/api/v1/info": {"get": {"summary": "Daemon version and mode (ping)", "responses": responses("200", "Daemon information", {"type": "object"})}},
    "/api/v1/services": {
        "get": {"summary": "Every virtual service (lvsadm -L --json)", "responses": responses("200", "The services", ref("ServiceList"))},
        "post": {"summary": "Add a virtual service (-A)", "requestBody": dict(json_body(ref("ServiceInput")), required=True),
                 "responses": responses("201", "The new service", ref("Service"), "400", "409", "413", "415")}},
    "/api/v1/connections": {"get": {"summary": "Connection entries, paged (lvsadm -L -c --json)", "parameters": [
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
        "responses": responses("200", "One page", ref("ConnectionPage"), "400")}},
    "/api/v1/timeouts": {
        "get": {"summary": "Protocol timeouts (-L --timeout)", "responses": responses("200", "The timeouts", ref("TimeoutList"))},
        "put": {"summary": "Set timeouts (--set); 0 or absent keeps a value", "requestBody": dict(json_body(ref("Timeouts")), required=True),
                "responses": responses("200", "The timeouts now", ref("TimeoutList"), *write_errors)}},
    "/api/v1/daemons": {"get": {"summary": "Sync daemons (-L --daemon --json)", "responses": responses("200", "The daemons", {"type": "object"})}},
    "/api/v1/health": {"get": {"summary": "Health checkers (lvsadm --health --json)", "responses": responses("200", "The health report", {"type": "object"})}},
    "/api/v1/engine": {"get": {"summary": "Engine counters (lvsadm --engine-stats)", "responses": responses("200", "The counters", {"type": "object"})}},
    "/api/v1/vrrp": {"get": {"summary": "VRRP instances (lvsadm --vrrp --json)", "responses": responses("200", "The VRRP report", {"type": "object"})}},
    "/api/v1/sync": {"get": {"summary": "Connection sync (lvsadm --sync --json)", "responses": responses("200", "The sync report", {"type": "object"})}},
    "/api/v1/announcements": {"get": {"summary": "VIPs announced through BGP (lvsadm --announcements --json)", "responses": responses("200", "The announcement report", {"type": "object"})}},
    "/api/v1/events": {"get": {"summary": "The event log after seq `since`, oldest first (lvsadm --events --json)", "parameters": [
        {"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 0}, "example": 0},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}, "example": 10}],
        "responses": responses("200", "The events", {"type": "array", "items": ref("Event")}, "400")}},
    "/api/v1/explain": {"get": {"summary": "Where a new packet from a client would go now, and why (lvsadm --explain --json); "
        "name the service with protocol, address and port, or with fwmark or fwmark6", "parameters": [
        {"name": "protocol", "in": "query", "schema": {"type": "string", "enum": ["tcp", "udp", "sctp"]}, "example": "tcp"},
        {"name": "address", "in": "query", "schema": {"type": "string"}, "example": "10.0.0.1"},
        {"name": "port", "in": "query", "schema": port_schema, "example": 80},
        {"name": "fwmark", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 4294967295}},
        {"name": "fwmark6", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 4294967295}},
        {"name": "client", "in": "query", "required": True, "schema": {"type": "string"}, "example": "192.0.2.7"},
        {"name": "client_port", "in": "query", "schema": port_schema, "example": 40000}],
        "responses": responses("200", "The explanation", ref("Explanation"), "400")}},
    "/api/v1/zero": {"post": {"summary": "Zero every counter (-Z)", "responses": responses("204", "Zeroed")}},
    "/api/v1/reload": {"post": {"summary": "Reload the configuration file (lvsadm --reload)", "responses": responses("200", "What changed", {"type": "object"}, "409")}},
}
for kind, prefix in [("protocol", "/api/v1/services/{protocol}/{address}/{port}"), ("kind", "/api/v1/services/{kind}/{mark}")]:
    sp = service_params[kind]
    rp = sp + rs_params
    rs = prefix + "/real-servers/{rs_address}/{rs_port}"
    paths[prefix] = {"parameters": sp,
        "get": {"summary": "One virtual service", "responses": responses("200", "The service", ref("Service"), "400", "404")},
        "put": {"summary": "Edit a virtual service (-E: every parameter replaced)", "requestBody": dict(json_body(ref("ServiceInput")), required=True),
                "responses": responses("200", "The service now", ref("Service"), *write_errors)},
        "delete": {"summary": "Delete a virtual service (-D)", "responses": responses("204", "Deleted", None, "400", "404")}}
    paths[prefix + "/zero"] = {"parameters": sp, "post": {"summary": "Zero one service's counters (-Z -t|-u|-f)", "responses": responses("204", "Zeroed", None, "400", "404")}}
    paths[prefix + "/real-servers"] = {"parameters": sp,
        "get": {"summary": "The service's real servers", "responses": responses("200", "The real servers", ref("RealServerList"), "400", "404")},
        "post": {"summary": "Add a real server (-a)", "requestBody": dict(json_body(ref("RealServerInput")), required=True),
                 "responses": responses("201", "The new real server", ref("RealServer"), "400", "404", "409", "413", "415")}}
    paths[rs] = {"parameters": rp,
        "get": {"summary": "One real server", "responses": responses("200", "The real server", ref("RealServer"), "400", "404")},
        "put": {"summary": "Edit a real server (-e: every parameter replaced)", "requestBody": dict(json_body(ref("RealServerInput")), required=True),
                "responses": responses("200", "The real server now", ref("RealServer"), *write_errors)},
        "delete": {"summary": "Delete a real server (-d)", "responses": responses("204", "Deleted", None, "400", "404")}}
    paths[rs + "/weight"] = {"parameters": rp, "put": {"summary": "Set the weight (-e -w), other parameters kept",
        "requestBody": dict(json_body({"type": "object", "required": ["weight"], "properties": {"weight": {"type": "integer", "minimum": 0, "maximum": 65535}}}), required=True),
        "responses": responses("200", "The real server now", ref("RealServer"), *write_errors)}}
    paths[rs + "/drain"] = {"parameters": rp, "post": {"summary": "Drain: weight 0; drained_idle turns true when no connection is left",
        "responses": responses("200", "The real server now", ref("RealServer"), "400", "404")}}
    paths[rs + "/restore"] = {"parameters": rp, "post": {"summary": "Restore the weight from before the drain (or the body's)",
        "requestBody": dict(json_body({"type": "object", "properties": {"weight": {"type": "integer", "minimum": 0, "maximum": 65535}}}), required=False),
        "responses": responses("200", "The real server now", ref("RealServer"), *write_errors)}}

document = {
    "openapi": "3.1.0",
    "info": {"title": "lvsd REST API", "version": "1", "description": "SwiftLVS director daemon, docs/http-api.md"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": {
        "Error": error, "Stats": stats, "Rates": rates, "RealServer": real_server, "RealServerInput": real_server_input,
        "Service": service, "ServiceInput": service_input,
        "ServiceList": {"type": "object", "required": ["version", "kind", "services"], "properties": {
            "version": {"type": "integer"}, "kind": {"type": "string", "enum": ["services"]},
            "connection_table_size": uint, "services": {"type": "array", "items": ref("Service")}}},
        "RealServerList": {"type": "object", "required": ["real_servers"], "properties": {"real_servers": {"type": "array", "items": ref("RealServer")}}},
        "ConnectionPage": {"type": "object", "required": ["total", "offset", "limit", "connections"], "properties": {
            "version": {"type": "integer"}, "kind": {"type": "string"}, "total": uint, "offset": uint, "limit": uint,
            "connections": {"type": "array", "items": {"type": "object"}}}},
        "Timeouts": timeouts, "Event": event, "Explanation": explanation, "ServiceID": service_id,
        "RealServerKey": real_server_key,
        "TimeoutList": {"type": "object", "required": ["timeouts"], "properties": {"timeouts": timeouts}}}},
    "security": [{}, {"bearer": []}],
    "paths": paths,
}
text = json.dumps(document, indent=2, sort_keys=False) + "\n"
assert '"""#' not in text
with open(os.path.join(ROOT, "docs/openapi.json"), "w") as f:
    f.write(text)
with open(os.path.join(ROOT, "Sources/LVSHTTP/OpenAPIDocument.swift"), "w") as f:
    f.write("// Generated by scripts/generate-openapi.py from the same data as docs/openapi.json: do not edit.\n")
    f.write("// OpenAPIDocumentTests checks that the two are identical byte for byte.\n")
    f.write("enum OpenAPIDocument {\n    /// docs/openapi.json, served at /api/v1/openapi.json.\n")
    # Indented as swift-format lays the literal out (the closing delimiter's indentation is
    # stripped from every line, so the value is `text` exactly, its final newline included).
    indented = "".join(("        " + line if line.strip() else line) for line in (text + "\n").splitlines(True))
    f.write('    static let text = #"""\n' + indented + '        """#\n}\n')
