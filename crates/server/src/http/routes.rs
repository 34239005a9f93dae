//! The route table. Each area of the product declares its own routes in a `routes` function
//! through [`Routes`], which records every method and path it adds: the router is built from the
//! same declarations that tests walk (the tenant-isolation test visits every id-taking route).

use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};

use crate::state::AppState;

/// An HTTP method a route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Shows something; never changes state.
    Get,
    /// Changes state; always CSRF-checked.
    Post,
}

/// One declared route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    /// Its method.
    pub verb: Verb,
    /// Its path, with `{id}`-style parameters.
    pub path: &'static str,
}

impl Declared {
    /// Whether the path takes a parameter (an id, a file name).
    pub fn takes_id(&self) -> bool {
        self.path.contains('{')
    }
}

/// Routes being declared: the router and the list of what it answers.
pub(crate) struct Routes {
    router: Router<AppState>,
    declared: Vec<Declared>,
}

impl Routes {
    pub(crate) fn new() -> Routes {
        Routes {
            router: Router::new(),
            declared: Vec::new(),
        }
    }

    /// Adds a `GET` route.
    pub(crate) fn get<H, T>(mut self, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(handler));
        self.declared.push(Declared {
            verb: Verb::Get,
            path,
        });
        self
    }

    /// Adds a `POST` route.
    pub(crate) fn post<H, T>(mut self, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, post(handler));
        self.declared.push(Declared {
            verb: Verb::Post,
            path,
        });
        self
    }

    /// The router and what it declares.
    pub(crate) fn into_parts(self) -> (Router<AppState>, Vec<Declared>) {
        (self.router, self.declared)
    }
}
