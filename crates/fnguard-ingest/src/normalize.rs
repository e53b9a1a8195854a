//! Facts every loader's projects share, settled once after loading.

use fnguard_model::{ApiKind, Auth, Project, TriggerKind};

/// WebSocket APIs authorize the connection: only `$connect` takes an authorizer, and every
/// other route is reached over a connection it let in. Routes without an authorizer of their
/// own carry `$connect`'s.
pub(crate) fn websocket_auth(p: &mut Project) {
    let ws: Vec<String> = p
        .apis
        .iter()
        .filter(|a| a.kind == ApiKind::WebSocket)
        .map(|a| a.id.clone())
        .collect();
    for api in ws {
        let connect = p
            .functions
            .iter()
            .flat_map(|f| &f.triggers)
            .find_map(|t| match &t.kind {
                TriggerKind::Api {
                    api: a, path, auth, ..
                } if *a == api && path == "$connect" => Some(auth.clone()),
                _ => None,
            });
        let Some(connect) = connect.filter(|a| *a != Auth::None) else {
            continue;
        };
        for f in &mut p.functions {
            for t in &mut f.triggers {
                if let TriggerKind::Api {
                    api: a, path, auth, ..
                } = &mut t.kind
                {
                    if *a == api && path != "$connect" && *auth == Auth::None {
                        *auth = connect.clone();
                    }
                }
            }
        }
    }
}
