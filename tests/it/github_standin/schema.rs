//! A small JSON Schema checker for the subset the spec's response schemas use: `type`,
//! `properties`, `required`, `items`, `oneOf`/`anyOf`/`allOf`, `nullable`, `enum`, and the
//! `date-time` and `uri` formats (a client parses those). `oneOf` passes when at least one
//! alternative does: the spec's `oneOf`s overlap on `null` (`validation-error.errors[].value`),
//! so "exactly one" would reject what GitHub sends. Extra properties are allowed, as the spec
//! does not close its objects.

use serde_json::Value;

/// Every way `v` departs from `schema`, each naming the JSON path (`$.head.repo.id`).
pub fn validate(v: &Value, schema: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(v, schema, "$", &mut errors);
    errors
}

fn type_ok(v: &Value, ty: &str) -> bool {
    match ty {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn check(v: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    if v.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
            let fits = alternatives.iter().any(|alt| {
                let mut e = Vec::new();
                check(v, alt, path, &mut e);
                e.is_empty()
            });
            if !fits {
                let mut why = Vec::new();
                for alt in alternatives {
                    check(v, alt, path, &mut why);
                }
                errors.push(format!(
                    "{path}: matches none of the {key} alternatives ({})",
                    why.join("; ")
                ));
            }
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(v, s, path, errors);
        }
    }
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        if !type_ok(v, ty) {
            let shown: String = v.to_string().chars().take(80).collect();
            errors.push(format!("{path}: expected {ty}, got {shown}"));
            return;
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(v)
    {
        errors.push(format!("{path}: {v} is not one of {}", Value::Array(values.clone())));
    }
    if let (Some(format), Some(s)) = (schema.get("format").and_then(Value::as_str), v.as_str()) {
        let ok = match format {
            "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            "uri" => url::Url::parse(s).is_ok(),
            _ => true,
        };
        if !ok {
            errors.push(format!("{path}: {s:?} is not a valid {format}"));
        }
    }
    if let Some(map) = v.as_object() {
        for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !map.contains_key(name) {
                errors.push(format!("{path}: required property {name:?} is missing"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                if let Some(x) = map.get(name) {
                    check(x, sub, &format!("{path}.{name}"), errors);
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check(x, items, &format!("{path}[{i}]"), errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::validate;

    #[test]
    fn reports_missing_required_wrong_types_enums_and_formats() {
        let schema = json!({
            "type": "object",
            "required": ["sha", "url", "state"],
            "properties": {
                "sha": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "state": {"type": "string", "enum": ["open", "closed"]},
                "body": {"type": "string", "nullable": true},
                "at": {"type": "string", "format": "date-time"},
                "labels": {"type": "array", "items": {"type": "object", "required": ["name"]}},
                "value": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            },
        });
        let good = json!({"sha": "a", "url": "http://x/y", "state": "open", "body": null,
                          "at": "2024-01-01T00:00:00Z", "labels": [{"name": "l"}], "value": 3});
        assert_eq!(validate(&good, &schema), Vec::<String>::new());
        let bad = json!({"sha": 1, "url": "not a url", "state": "merged", "at": "yesterday",
                         "labels": [{}], "value": true});
        let errors = validate(&bad, &schema);
        assert_eq!(errors.len(), 6, "{errors:#?}");
        assert!(
            errors.iter().any(|e| e == "$.sha: expected string, got 1"),
            "{errors:#?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("$.labels[0]: required property \"name\""))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("$.value: matches none of the oneOf"))
        );
        let missing = validate(&json!({}), &schema);
        assert_eq!(missing.len(), 3, "{missing:#?}");
    }
}
