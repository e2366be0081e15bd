"""The schemas of the OpenAPI document: what the API takes and answers, loosely typed.

Objects allow more properties than they list (Marathon and Chronos clients send many);
the listed ones are typed as Dromos answers them, so a live test can hold answers to them.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: tuple[str, ...] = (), **properties: Any) -> Json:
    return {"type": "object", "required": list(required), "properties": properties}


def array(items: Json) -> Json:
    return {"type": "array", "items": items}


STRING, INT, NUMBER, BOOL = ({"type": "string"}, {"type": "integer"}, {"type": "number"},
                             {"type": "boolean"})
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}

SCHEMAS: Json = {
    "MarathonError": obj(("message",), message=STRING,
                         details={"type": ["array", "string", "object"]}),
    "ChronosError": obj(("message",), message=STRING, status=STRING),
    "App": obj(
        ("id",), id=STRING, cmd=NULLABLE_STRING, args={"type": ["array", "null"]},
        instances={"type": "integer", "minimum": 0}, cpus=NUMBER, mem=NUMBER, disk=NUMBER,
        gpus=INT, env={"type": "object"}, labels={"type": "object"},
        constraints={"type": "array"}, healthChecks={"type": "array"},
        portDefinitions={"type": "array"}, upgradeStrategy={"type": "object"},
        version=STRING,
    ),
    "AppInfo": {"allOf": [ref("App"), obj(
        ("tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy", "deployments"),
        tasksStaged=INT, tasksRunning=INT, tasksHealthy=INT, tasksUnhealthy=INT,
        deployments=array(obj(("id",), id=STRING)), tasks=array(ref("Task")),
        lastTaskFailure={"type": "object"},
    )]},
    "AppList": obj(("apps",), apps=array(ref("AppInfo"))),
    "AppAnswer": obj(("app",), app=ref("AppInfo")),
    "Task": obj(
        ("id", "appId", "host", "state"), id=STRING, appId=STRING, host=STRING,
        slaveId=STRING, ports=array(INT), servicePorts=array(INT), stagedAt=STRING,
        startedAt=STRING, version=STRING, state=STRING, healthCheckResults={"type": "array"},
    ),
    "TaskList": obj(("tasks",), tasks=array(ref("Task"))),
    "DeploymentResult": obj(("deploymentId", "version"), deploymentId=STRING, version=STRING),
    "Deployment": obj(
        ("id", "version", "affectedApps", "steps", "currentStep", "totalSteps"),
        id=STRING, version=STRING, affectedApps=array(STRING), affectedPods=array(STRING),
        steps={"type": "array"}, currentActions={"type": "array"}, currentStep=INT,
        totalSteps=INT, waiting=array(obj(("app", "reason"), app=STRING, reason=STRING)),
    ),
    "Group": obj(("id",), id=STRING, apps=array(ref("AppInfo")), groups=array(ref("Group")),
                 version=STRING, dependencies=array(STRING)),
    "Queue": obj(("queue",), queue=array(obj(
        ("app", "count"), app=ref("App"), count=INT,
        delay=obj(timeLeftSeconds=INT, overdue=BOOL), since=STRING,
        processedOffersSummary={"type": "object"},
    ))),
    "Job": obj(
        ("name",), name=STRING, command=STRING, schedule=STRING, parents=array(STRING),
        scheduleTimeZone=STRING, epsilon=STRING, owner=STRING, retries=INT, cpus=NUMBER,
        mem=NUMBER, disk=NUMBER, disabled=BOOL, successCount=INT, errorCount=INT,
        lastSuccess=STRING, lastError=STRING,
    ),
    "Run": obj(
        ("id", "jobName", "trigger", "status", "attempts"), id=INT, jobName=STRING,
        trigger={"enum": ["schedule", "manual", "dependency"]}, dueMillis=INT,
        status={"enum": ["claimed", "running", "ok", "failed", "killed", "missed"]},
        attempt=INT, arguments=STRING, attempts=array(obj(
            ("taskId", "state"), taskId=STRING, slaveId=STRING, host=STRING,
            launched=NUMBER, started=NULLABLE_NUMBER, ended=NULLABLE_NUMBER, state=STRING,
            message=STRING, numElementsProcessed=NULLABLE_INT, exitStatus=NULLABLE_INT,
            stderrTail=NULLABLE_STRING,
        )),
    ),
    "LogChunk": obj(("data", "offset"), data=STRING, offset=INT),
    "Leader": obj(("leader",), leader=STRING),
}
