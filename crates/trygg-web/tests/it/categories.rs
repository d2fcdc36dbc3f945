//! The category admin pages: a samordnare adds, renames and retires a category through
//! the forms (Post/Redirect/Get, field errors beside the fields); a rapportör is refused.

use axum::http::StatusCode;
use trygg_domain::account::Role;
use trygg_store::on_both_backends;

use crate::harness::TestApp;

async fn app(db: trygg_store::Db) -> TestApp {
    let app = TestApp::new(db).await;
    app.trygg.ensure_default_categories().await.unwrap();
    app
}

on_both_backends!(
    a_samordnare_manages_categories_through_the_forms,
    |db, _t| async move {
        let app = app(db).await;
        let b = app.login(Role::Samordnare).await;

        let page = app.get("/admin/categories", Some(&b)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Skadegörelse"), "{}", page.body);
        assert!(
            page.body.contains("href=\"/admin/categories\""),
            "nav entry"
        );

        let added = app
            .post(
                "/admin/categories",
                &b,
                &[
                    ("code", "elsparkcykel"),
                    ("name_sv", "Felparkerad elsparkcykel"),
                    ("name_en", "Misparked e-scooter"),
                    ("group", "ordning"),
                    ("default_severity", "1"),
                    ("pii_policy", "mask"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let to = added.location().unwrap().to_owned();
        assert_eq!(to, "/admin/categories/elsparkcykel?saved=1");
        let shown = app.get(&to, Some(&b)).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.body.contains("Felparkerad elsparkcykel"));

        // A taken code is refused beside the field, in Swedish.
        let again = app
            .post(
                "/admin/categories",
                &b,
                &[
                    ("code", "elsparkcykel"),
                    ("name_sv", "Något annat"),
                    ("name_en", "Other"),
                    ("group", "ordning"),
                    ("default_severity", "1"),
                    ("pii_policy", "mask"),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            again
                .body
                .contains("Det finns redan en kategori med den koden.")
        );
        assert!(
            again
                .body
                .contains("aria-describedby=\"new-code-error new-code-hint\"")
        );
        assert!(again.body.contains("aria-invalid=\"true\""));

        // A rename is a new version; a non-ASCII code works in the URL.
        let renamed = app
            .post(
                "/admin/categories/sk%C3%A4nk/change",
                &b,
                &[
                    ("name_sv", "Ny"),
                    ("name_en", "New"),
                    ("group", "ordning"),
                    ("default_severity", "1"),
                    ("pii_policy", "mask"),
                ],
            )
            .await;
        assert_eq!(renamed.status, StatusCode::NOT_FOUND, "unknown code");
        let renamed = app
            .post(
                "/admin/categories/st%C3%B6ld/change",
                &b,
                &[
                    ("name_sv", "Stöld och snatteri"),
                    ("name_en", "Theft"),
                    ("group", "brott"),
                    ("default_severity", "2"),
                    ("pii_policy", "mask"),
                ],
            )
            .await;
        assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
        let page = app.get(renamed.location().unwrap(), Some(&b)).await;
        assert!(page.body.contains("Stöld och snatteri"));
        assert!(page.body.contains("<td>2</td>"), "version 2 listed");

        // Retiring with the category itself as replacement is refused at the field.
        let refused = app
            .post(
                "/admin/categories/klotter/retire",
                &b,
                &[("replaced_by", "klotter")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .body
                .contains("aria-describedby=\"retire-replaced_by-error\"")
        );
        let retired = app
            .post(
                "/admin/categories/klotter/retire",
                &b,
                &[("replaced_by", "skadegörelse")],
            )
            .await;
        assert_eq!(retired.status, StatusCode::SEE_OTHER, "{}", retired.body);
        let list = app.get("/admin/categories", Some(&b)).await;
        assert!(list.body.contains("Utgången"));

        assert_eq!(
            app.get("/admin/categories/1", Some(&b)).await.status,
            StatusCode::NOT_FOUND
        );
    }
);

on_both_backends!(a_rapportor_may_not_manage_categories, |db, _t| async move {
    let app = app(db).await;
    let b = app.login(Role::Rapportor).await;
    assert_eq!(
        app.get("/admin/categories", Some(&b)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post(
            "/admin/categories",
            &b,
            &[
                ("code", "elsparkcykel"),
                ("name_sv", "Elsparkcykel"),
                ("name_en", "E-scooter"),
                ("group", "ordning"),
                ("default_severity", "1"),
                ("pii_policy", "mask"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (list, _) = app.trygg.category_list().await.unwrap();
    assert!(list.get("elsparkcykel").is_none());
});
