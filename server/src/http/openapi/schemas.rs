//! Passes over the document as JSON that utoipa's derive cannot express: one `$ref` per named
//! schema, and the fields the server always sends marked `required`.

use utoipa::openapi;

/// utoipa writes the type argument of a generic (`ApiOk<RoomView>`, `Page<RoomView>`) inline:
/// every inline copy of a named schema becomes a `$ref` to it, so clients see one `RoomView`.
pub(super) fn refer_to_components(doc: openapi::OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    let named: std::collections::HashMap<String, String> = value["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, schema)| schema.get("properties").is_some() || schema.get("allOf").is_some())
        .map(|(name, schema)| (canonical(schema), format!("#/components/schemas/{name}")))
        .collect();
    if let Some(schemas) = value["components"]["schemas"].as_object_mut() {
        for schema in schemas.values_mut() {
            replace_children(schema, &named);
        }
    }
    replace_children(&mut value["paths"], &named);
    require_sent_fields(&mut value);
    value
}

/// Fields of answers that may be absent (`skip_serializing_if`); every other field of a
/// schema only the server writes is always sent, `null` when empty.
const MAY_BE_ABSENT: &[(&str, &str)] = &[
    ("UserView", "email"),
    ("TicketPerson", "email"),
    ("Ready", "redis"),
    ("ErrorBody", "requestId"),
    ("ErrorBody", "details"),
    ("ErrorBody", "retryAfterMs"),
];

/// utoipa leaves every `Option` field out of `required`; in what the server writes, such a
/// field is there (`null`) unless it is skipped when empty. Schemas that requests use too keep
/// their optional fields.
fn require_sent_fields(doc: &mut serde_json::Value) {
    let mut read = std::collections::HashSet::new();
    let mut pending: Vec<String> = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            collect_refs(&op["requestBody"], &mut pending);
            collect_refs(&op["parameters"], &mut pending);
        }
    }
    while let Some(name) = pending.pop() {
        if read.insert(name.clone()) {
            collect_refs(&doc["components"]["schemas"][&name], &mut pending);
        }
    }
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        if read.contains(name) {
            continue;
        }
        require_all(schema, name);
    }
}

/// Puts every property of `schema` (or of its `allOf` parts) in its `required` list.
fn require_all(schema: &mut serde_json::Value, name: &str) {
    if let Some(parts) = schema.get_mut("allOf").and_then(|a| a.as_array_mut()) {
        parts.iter_mut().for_each(|part| require_all(part, name));
        return;
    }
    let fields: Vec<String> = schema["properties"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.keys().cloned())
        .filter(|field| !MAY_BE_ABSENT.contains(&(name, field.as_str())))
        .collect();
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    // Inline objects inside (a page's `data`, a list's items) are written by the server too.
    for key in ["properties", "items", "oneOf", "anyOf"] {
        match object.get_mut(key) {
            Some(serde_json::Value::Object(inner)) if key == "properties" => {
                inner.values_mut().for_each(|v| require_all(v, name));
            }
            Some(serde_json::Value::Array(inner)) => {
                inner.iter_mut().for_each(|v| require_all(v, name));
            }
            Some(inner @ serde_json::Value::Object(_)) => require_all(inner, name),
            _ => {}
        }
    }
    if fields.is_empty() {
        return;
    }
    if let serde_json::Value::Array(required) = object
        .entry("required")
        .or_insert_with(|| serde_json::json!([]))
    {
        for field in fields {
            if !required.iter().any(|r| r == field.as_str()) {
                required.push(field.into());
            }
        }
    }
}

/// The component names `value` refers to.
fn collect_refs(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                into.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

/// The schema as text with its keys sorted (two copies of a schema may list them apart).
fn canonical(value: &serde_json::Value) -> String {
    fn sorted(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let ordered: std::collections::BTreeMap<&String, serde_json::Value> =
                    map.iter().map(|(k, v)| (k, sorted(v))).collect();
                serde_json::json!(ordered)
            }
            serde_json::Value::Array(items) => items.iter().map(sorted).collect(),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

fn replace_children(
    value: &mut serde_json::Value,
    named: &std::collections::HashMap<String, String>,
) {
    let children: Vec<&mut serde_json::Value> = match value {
        serde_json::Value::Object(map) => map.values_mut().collect(),
        serde_json::Value::Array(items) => items.iter_mut().collect(),
        _ => return,
    };
    for child in children {
        match named.get(&canonical(child)) {
            Some(reference) => *child = serde_json::json!({ "$ref": reference }),
            None => replace_children(child, named),
        }
    }
}

#[cfg(test)]
mod tests {
    fn required(doc: &serde_json::Value, schema: &str) -> Vec<String> {
        doc["components"]["schemas"][schema]["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect()
    }

    #[test]
    fn answers_refer_to_named_schemas_and_require_what_is_always_sent() {
        let doc = super::super::document();
        let data = &doc["components"]["schemas"]["ApiOk_RoomView"]["properties"]["data"];
        assert_eq!(data["$ref"], "#/components/schemas/RoomView");
        // Sent as `null` when empty: required (and nullable).
        let room = required(&doc, "RoomView");
        assert!(room.iter().any(|f| f == "department") && room.iter().any(|f| f == "archivedAt"));
        // Skipped when empty: not required.
        assert!(!required(&doc, "UserView").iter().any(|f| f == "email"));
        assert!(!required(&doc, "ErrorBody").iter().any(|f| f == "details"));
        // What clients send keeps its optional fields.
        assert!(
            !required(&doc, "UpdateRoomBody")
                .iter()
                .any(|f| f == "title")
        );
    }
}
