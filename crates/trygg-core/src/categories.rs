//! Administration of the versioned category list: add, change (rename, regroup, a new
//! default severity or personal-data policy) and retire. Every change stores a new
//! version row; incidents keep the row they were reported with, so old reports stay
//! as they were filed.

use serde_json::json;
use trygg_domain::Invalid;
use trygg_domain::incident::personal_data::PiiPolicy;
use trygg_domain::incident::{Category, CategoryCode, CategoryGroup, CategoryList, Severity};
use trygg_domain::policy::Action;
use trygg_store::incident::{CategoryRow, IncidentStore, NewCategory};

use crate::actor::draft;
use crate::{Caller, RequestMeta, Result, Trygg};

/// A category as typed in the admin form.
#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub group: String,
    pub default_severity: String,
    pub pii_policy: String,
}

impl CategoryInput {
    /// Parses the input through the domain types (the code is taken as given).
    fn parse(&self, code: &str) -> Result<Category, Invalid> {
        let group = CategoryGroup::parse(self.group.trim())
            .map_err(|_| Invalid::new("group", "invalid_category_group"))?;
        let severity = Severity::parse(self.default_severity.trim())
            .map_err(|_| Invalid::new("default_severity", "invalid_severity"))?;
        let policy = PiiPolicy::parse(self.pii_policy.trim())
            .map_err(|_| Invalid::new("pii_policy", "invalid_pii_policy"))?;
        let mut c = Category::new(
            code,
            self.name_sv.trim(),
            self.name_en.trim(),
            group,
            severity,
        )?;
        c.pii_policy = policy;
        Ok(c)
    }
}

fn new_row(c: &Category) -> NewCategory {
    NewCategory {
        code: c.code.as_str().into(),
        name_sv: c.name_sv.as_str().into(),
        name_en: c.name_en.as_str().into(),
        group: c.group.code().into(),
        default_severity: i64::from(c.default_severity.get()),
        pii_policy: c.pii_policy.code().into(),
        retired: c.retired,
        replaced_by: c.replaced_by.as_ref().map(|r| r.as_str().to_string()),
    }
}

/// Whether the list with `changed` in place of (or added to) the current one holds
/// together: no two codes or Swedish names alike, every replacement valid.
fn check_list(list: &CategoryList, changed: &Category) -> Result<(), Invalid> {
    let mut cats: Vec<Category> = list
        .categories()
        .iter()
        .filter(|c| c.code != changed.code)
        .cloned()
        .collect();
    cats.push(changed.clone());
    CategoryList::new(list.version().saturating_add(1), cats).map_err(|e| {
        if e.code == "duplicate_category" {
            Invalid::new("name_sv", "duplicate_category")
        } else {
            Invalid::new("replaced_by", e.code)
        }
    })?;
    Ok(())
}

impl Trygg {
    /// Every version of every category, by code and version.
    pub async fn categories_admin(&self, caller: &Caller) -> Result<Vec<CategoryRow>> {
        caller.require(Action::ManageCategories)?;
        Ok(self.db.categories().await?)
    }

    /// Adds a new category (version 1).
    pub async fn add_category(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        input: CategoryInput,
    ) -> Result<CategoryRow> {
        caller.require(Action::ManageCategories)?;
        let code = CategoryCode::new(input.code.trim())?;
        let (list, _) = self.category_list().await?;
        if list.get(code.as_str()).is_some() {
            return Err(Invalid::new("code", "category_code_taken").into());
        }
        let cat = input.parse(code.as_str())?;
        check_list(&list, &cat)?;
        self.store_version(caller, meta, &cat, "category_created")
            .await
    }

    /// Changes a category: stores a new version with the given names, group, default
    /// severity and policy. A retired category stays retired.
    pub async fn change_category(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        code: &str,
        input: CategoryInput,
    ) -> Result<CategoryRow> {
        caller.require(Action::ManageCategories)?;
        let (list, _) = self.category_list().await?;
        let current = list.get(code).ok_or(crate::Error::NotFound)?.clone();
        let mut cat = input.parse(current.code.as_str())?;
        cat.retired = current.retired;
        cat.replaced_by = current.replaced_by.clone();
        check_list(&list, &cat)?;
        self.store_version(caller, meta, &cat, "category_changed")
            .await
    }

    /// Retires a category: a new version marked retired, optionally pointing at the
    /// current category its incidents count under from now on.
    pub async fn retire_category(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        code: &str,
        replaced_by: Option<String>,
    ) -> Result<CategoryRow> {
        caller.require(Action::ManageCategories)?;
        let (list, _) = self.category_list().await?;
        let current = list.get(code).ok_or(crate::Error::NotFound)?.clone();
        if current.retired {
            return Err(Invalid::new("replaced_by", "retired_category").into());
        }
        let replacement = match replaced_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => {
                let target = list
                    .get(r)
                    .filter(|t| !t.retired && t.code != current.code)
                    .ok_or(Invalid::new("replaced_by", "invalid_replacement"))?;
                Some(target.code.clone())
            }
        };
        let mut cat = current;
        cat.retired = true;
        cat.replaced_by = replacement;
        check_list(&list, &cat)?;
        self.store_version(caller, meta, &cat, "category_retired")
            .await
    }

    async fn store_version(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        cat: &Category,
        action: &str,
    ) -> Result<CategoryRow> {
        let new = new_row(cat);
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            action,
            "category",
            Some(new.code.clone()),
            json!({
                "code": new.code,
                "name_sv": new.name_sv,
                "retired": new.retired,
                "replaced_by": new.replaced_by,
            }),
        );
        let id = self.db.add_category_version(&new, now, audit).await?;
        let rows = self.db.categories().await?;
        rows.into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| crate::Error::Internal("stored category version not found".into()))
    }
}
