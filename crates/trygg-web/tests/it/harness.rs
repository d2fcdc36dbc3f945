//! A Trygg app on a test database with the demo loaded and a manual clock.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use tower::ServiceExt;
use trygg_core::{Clock, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::time::Instant;
use trygg_store::Db;

pub const ORIGIN: &str = "https://trygg.test";

pub struct TestApp {
    pub router: axum::Router,
    pub trygg: Trygg,
    pub clock: Clock,
    /// role → (e-mail, password) of the demo users.
    pub logins: HashMap<Role, (String, String)>,
}

/// A signed-in browser: its cookies and the CSRF token its pages carry.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

impl TestApp {
    pub async fn new(db: Db) -> Self {
        let clock = Clock::manual(Instant::from_micros(1_800_000_000_000_000));
        let trygg = Trygg::new(db, clock.clone(), Settings::default());
        let logins = trygg
            .load_demo()
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.role, (l.email, l.password)))
            .collect();
        let config = trygg_web::WebConfig {
            public_url: Some(ORIGIN.into()),
            ..Default::default()
        };
        let router = trygg_web::app(trygg.clone(), config);
        Self {
            router,
            trygg,
            clock,
            logins,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res: Response = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, browser: Option<&Browser>) -> Reply {
        let mut req = Request::builder().method(Method::GET).uri(path);
        if let Some(b) = browser {
            req = req.header(header::COOKIE, b.cookie_header());
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A form post from our own origin, carrying the browser's CSRF token.
    pub async fn post(&self, path: &str, browser: &Browser, fields: &[(&str, &str)]) -> Reply {
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", browser.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, Some(browser), &all, Some(ORIGIN)).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        browser: Option<&Browser>,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        if let Some(b) = browser {
            req = req.header(header::COOKIE, b.cookie_header());
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Any method: GET plain, POST as a form, anything else as a JSON call (empty
    /// object) with the CSRF header, as the browser's JavaScript would send it.
    pub async fn call(&self, method: &Method, path: &str, browser: &Browser) -> Reply {
        match *method {
            Method::GET => self.get(path, Some(browser)).await,
            Method::POST => self.post(path, browser, &[]).await,
            _ => {
                let req = Request::builder()
                    .method(method.clone())
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ORIGIN, ORIGIN)
                    .header("x-csrf-token", &browser.csrf)
                    .header(header::COOKIE, browser.cookie_header());
                self.send(req.body(Body::from("{}")).unwrap()).await
            }
        }
    }

    /// A fresh anonymous browser that has loaded the login page.
    pub async fn anonymous(&self) -> Browser {
        let page = self.get("/login", None).await;
        assert_eq!(page.status, StatusCode::OK);
        let mut b = Browser {
            cookies: Vec::new(),
            csrf: String::new(),
        };
        b.absorb(&page);
        b.csrf = hidden_csrf(&page.body);
        b
    }

    pub async fn try_login(&self, email: &str, password: &str) -> (Browser, Reply) {
        let mut b = self.anonymous().await;
        let reply = self
            .post("/login", &b, &[("email", email), ("password", password)])
            .await;
        b.absorb(&reply);
        (b, reply)
    }

    /// Signs in as the demo user of a role and picks up the session's CSRF token.
    pub async fn login(&self, role: Role) -> Browser {
        let (email, password) = self.logins[&role].clone();
        let (mut b, reply) = self.try_login(&email, &password).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "login as {role:?}: {}",
            reply.body
        );
        let start = self.get("/", Some(&b)).await;
        assert_eq!(
            start.status,
            StatusCode::OK,
            "start page after login as {role:?}"
        );
        b.csrf = hidden_csrf(&start.body);
        b
    }
}

impl Browser {
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn absorb(&mut self, reply: &Reply) {
        for c in reply.set_cookies() {
            let first = c.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !c.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
    }

    pub fn session(&self) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k.contains("trygg_session"))
            .map(|(_, v)| v.as_str())
    }
}

pub fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a csrf_token field") + marker.len();
    html[start..start + 64].to_owned()
}
