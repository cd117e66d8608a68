//! Roles, users, GRANT / REVOKE and LIST.

use super::{ParseResult, Parser};
use crate::cql3::ast::{
    Permission, Permissions, Resource, RoleOption, RoleStatement, Statement, Term, UserPassword,
};
use crate::cql3::lexer::{TokenKind, is_reserved_keyword};

fn role(statement: RoleStatement) -> Statement {
    Statement::Role(Box::new(statement))
}

impl Parser<'_> {
    /// A role or user name: a bare name (lower-cased), a quoted name or a string.
    fn role_name(&mut self) -> ParseResult<String> {
        let token = self.peek();
        match token.kind {
            TokenKind::String | TokenKind::QuotedName => Ok(self.advance().text),
            TokenKind::Word if !is_reserved_keyword(&token.text) => {
                Ok(self.advance().text.to_ascii_lowercase())
            }
            TokenKind::QuestionMark => {
                Err(self.error_here("Bind variables cannot be used for role names"))
            }
            _ => Err(self.no_viable()),
        }
    }

    fn string_literal(&mut self) -> ParseResult<String> {
        if self.peek().kind == TokenKind::String {
            return Ok(self.advance().text);
        }
        Err(self.mismatched("STRING_LITERAL"))
    }

    fn boolean(&mut self) -> ParseResult<bool> {
        if self.peek().kind == TokenKind::Boolean {
            return Ok(self.advance().text.eq_ignore_ascii_case("true"));
        }
        Err(self.mismatched("BOOLEAN"))
    }

    pub(crate) fn create_role_or_user(&mut self) -> ParseResult<Statement> {
        if self.accept_keyword("user") {
            let if_not_exists = self.accept_if_not_exists()?;
            let name = self.role_name()?;
            let (password, superuser) = self.user_options()?;
            return Ok(role(RoleStatement::CreateUser {
                name,
                if_not_exists,
                password,
                superuser,
            }));
        }
        self.expect_keyword("role")?;
        let if_not_exists = self.accept_if_not_exists()?;
        let name = self.role_name()?;
        let options = self.role_options()?;
        Ok(role(RoleStatement::CreateRole {
            name,
            if_not_exists,
            options,
        }))
    }

    pub(crate) fn alter_role_or_user(&mut self) -> ParseResult<Statement> {
        if self.accept_keyword("user") {
            let if_exists = self.accept_if_exists()?;
            let name = self.role_name()?;
            let (password, superuser) = self.user_options()?;
            return Ok(role(RoleStatement::AlterUser {
                name,
                if_exists,
                password,
                superuser,
            }));
        }
        self.expect_keyword("role")?;
        let if_exists = self.accept_if_exists()?;
        let name = self.role_name()?;
        let options = self.role_options()?;
        Ok(role(RoleStatement::AlterRole {
            name,
            if_exists,
            options,
        }))
    }

    pub(crate) fn drop_role_or_user(&mut self) -> ParseResult<Statement> {
        let user = self.accept_keyword("user");
        if !user {
            self.expect_keyword("role")?;
        }
        let if_exists = self.accept_if_exists()?;
        let name = self.role_name()?;
        Ok(role(if user {
            RoleStatement::DropUser { name, if_exists }
        } else {
            RoleStatement::DropRole { name, if_exists }
        }))
    }

    /// `[WITH [HASHED] PASSWORD 'x'] [SUPERUSER | NOSUPERUSER]`.
    fn user_options(&mut self) -> ParseResult<(Option<UserPassword>, Option<bool>)> {
        let mut password = None;
        if self.accept_keyword("with") {
            let hashed = self.accept_keyword("hashed");
            self.expect_keyword("password")?;
            password = Some(UserPassword {
                hashed,
                value: self.string_literal()?,
            });
        }
        let superuser = if self.accept_keyword("superuser") {
            Some(true)
        } else if self.accept_keyword("nosuperuser") {
            Some(false)
        } else {
            None
        };
        Ok((password, superuser))
    }

    /// `WITH option AND ...`, or nothing.
    fn role_options(&mut self) -> ParseResult<Vec<RoleOption>> {
        let mut options = Vec::new();
        if !self.accept_keyword("with") {
            return Ok(options);
        }
        loop {
            options.push(self.role_option()?);
            if !self.accept_keyword("and") {
                return Ok(options);
            }
        }
    }

    fn role_option(&mut self) -> ParseResult<RoleOption> {
        if self.accept_keyword("password") {
            self.expect_symbol("=")?;
            return Ok(RoleOption::Password(self.string_literal()?));
        }
        if self.accept_keyword("hashed") {
            self.expect_keyword("password")?;
            self.expect_symbol("=")?;
            return Ok(RoleOption::HashedPassword(self.string_literal()?));
        }
        if self.accept_keyword("generated") {
            self.expect_keyword("password")?;
            return Ok(RoleOption::GeneratedPassword);
        }
        if self.accept_keyword("superuser") {
            self.expect_symbol("=")?;
            return Ok(RoleOption::Superuser(self.boolean()?));
        }
        if self.accept_keyword("login") {
            self.expect_symbol("=")?;
            return Ok(RoleOption::Login(self.boolean()?));
        }
        if self.accept_keyword("options") {
            self.expect_symbol("=")?;
            return match self.term()? {
                Term::Map(entries) => Ok(RoleOption::Options(entries)),
                Term::Set(elements) if elements.is_empty() => Ok(RoleOption::Options(Vec::new())),
                _ => Err(self.error_here("expected a map literal")),
            };
        }
        if self.accept_keyword("access") {
            let datacenters = if self.accept_keyword("to") {
                true
            } else {
                self.expect_keyword("from")?;
                false
            };
            let all = self.accept_keyword("all");
            self.expect_keyword(if datacenters { "datacenters" } else { "cidrs" })?;
            if all {
                return Ok(if datacenters {
                    RoleOption::AccessToAllDatacenters
                } else {
                    RoleOption::AccessFromAllCidrs
                });
            }
            self.expect_symbol("{")?;
            let mut names = vec![self.string_literal()?];
            while self.accept_symbol(",") {
                names.push(self.string_literal()?);
            }
            self.expect_symbol("}")?;
            return Ok(if datacenters {
                RoleOption::AccessToDatacenters(names)
            } else {
                RoleOption::AccessFromCidrs(names)
            });
        }
        Err(self.no_viable())
    }

    fn at_permission(&self) -> bool {
        self.at_keyword("all")
            || Permission::ALL
                .iter()
                .any(|permission| self.at_keyword(permission.keyword()))
    }

    /// `ALL [PERMISSIONS]` or `permission [PERMISSION], ...`.
    fn permissions(&mut self) -> ParseResult<Permissions> {
        if self.accept_keyword("all") {
            self.accept_keyword("permissions");
            return Ok(Permissions::All);
        }
        let mut permissions = Vec::new();
        loop {
            let Some(permission) = Permission::ALL
                .into_iter()
                .find(|permission| self.at_keyword(permission.keyword()))
            else {
                return Err(self.no_viable());
            };
            self.advance();
            self.accept_keyword("permission");
            permissions.push(permission);
            if !self.accept_symbol(",") {
                return Ok(Permissions::Some(permissions));
            }
        }
    }

    fn resource(&mut self) -> ParseResult<Resource> {
        if self.at_keyword("all") {
            let next = self.peek_at(1).text.to_ascii_lowercase();
            match next.as_str() {
                "keyspaces" | "roles" | "mbeans" => {
                    self.advance();
                    self.advance();
                    return Ok(match next.as_str() {
                        "keyspaces" => Resource::AllKeyspaces,
                        "roles" => Resource::AllRoles,
                        _ => Resource::AllMbeans,
                    });
                }
                "functions" => {
                    self.advance();
                    self.advance();
                    let keyspace = if self.accept_keyword("in") {
                        self.expect_keyword("keyspace")?;
                        Some(self.identifier()?)
                    } else {
                        None
                    };
                    return Ok(Resource::AllFunctions { keyspace });
                }
                _ => {}
            }
        }
        if self.accept_keyword("keyspace") {
            return Ok(Resource::Keyspace(self.identifier()?));
        }
        if self.at_keyword("role") && self.peek_at(1).kind != TokenKind::End {
            self.advance();
            return Ok(Resource::Role(self.role_name()?));
        }
        if self.at_keyword("function") && !self.peek_at(1).is_symbol("(") {
            self.advance();
            let name = self.function_name()?;
            let argument_types = self.type_list()?;
            return Ok(Resource::Function {
                name,
                argument_types,
            });
        }
        if self.at_keyword("mbean") || self.at_keyword("mbeans") {
            let plural = self.at_keyword("mbeans");
            self.advance();
            let name = self.string_literal()?;
            return Ok(if plural {
                Resource::Mbeans(name)
            } else {
                Resource::Mbean(name)
            });
        }
        let _ = self.accept_keyword("table") || self.accept_keyword("columnfamily");
        Ok(Resource::Table(self.qualified_name()?))
    }

    /// GRANT, REVOKE and LIST.
    pub(crate) fn auth_statement(&mut self) -> ParseResult<Statement> {
        if self.accept_keyword("list") {
            return self.list_statement();
        }
        let grant = self.accept_keyword("grant");
        if !grant {
            self.expect_keyword("revoke")?;
        }
        let preposition = if grant { "to" } else { "from" };
        // `GRANT role TO role` unless a permission (not directly followed by
        // TO/FROM, which would make it a role name) comes first.
        let is_permission = self.at_permission() && !self.peek_at(1).is_keyword(preposition);
        if !is_permission {
            let granted = self.role_name()?;
            self.expect_keyword(preposition)?;
            let other = self.role_name()?;
            return Ok(role(if grant {
                RoleStatement::GrantRole {
                    role: granted,
                    grantee: other,
                }
            } else {
                RoleStatement::RevokeRole {
                    role: granted,
                    revokee: other,
                }
            }));
        }
        let permissions = self.permissions()?;
        self.expect_keyword("on")?;
        let resource = self.resource()?;
        self.expect_keyword(preposition)?;
        let role_name = self.role_name()?;
        Ok(role(if grant {
            RoleStatement::Grant {
                permissions,
                resource,
                role: role_name,
            }
        } else {
            RoleStatement::Revoke {
                permissions,
                resource,
                role: role_name,
            }
        }))
    }

    fn list_statement(&mut self) -> ParseResult<Statement> {
        if self.accept_keyword("users") {
            return Ok(role(RoleStatement::ListUsers));
        }
        if self.accept_keyword("roles") {
            let of = if self.accept_keyword("of") {
                Some(self.role_name()?)
            } else {
                None
            };
            let recursive = !self.accept_keyword("norecursive");
            return Ok(role(RoleStatement::ListRoles { of, recursive }));
        }
        let permissions = self.permissions()?;
        let resource = if self.accept_keyword("on") {
            Some(self.resource()?)
        } else {
            None
        };
        let of = if self.accept_keyword("of") {
            Some(self.role_name()?)
        } else {
            None
        };
        let recursive = !self.accept_keyword("norecursive");
        Ok(role(RoleStatement::ListPermissions {
            permissions,
            resource,
            role: of,
            recursive,
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{
        Permission, Permissions, Resource, RoleOption, RoleStatement, Statement,
    };
    use crate::cql3::parser::parse_statement;

    fn role(text: &str) -> RoleStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Role(role) => *role,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn roles_and_users() {
        let parsed = role(
            "CREATE ROLE IF NOT EXISTS Alice WITH PASSWORD = 'pw' AND LOGIN = true AND \
             SUPERUSER = false AND OPTIONS = {'a': 1} AND ACCESS TO DATACENTERS {'dc1', 'dc2'}",
        );
        let RoleStatement::CreateRole { name, options, .. } = parsed else {
            panic!("role")
        };
        assert_eq!(name, "alice");
        assert_eq!(options.len(), 5);
        assert_eq!(options[1], RoleOption::Login(true));
        assert!(matches!(
            role("ALTER ROLE 'Bob' WITH HASHED PASSWORD = '$2a$' AND ACCESS FROM ALL CIDRS"),
            RoleStatement::AlterRole { name, options, .. } if name == "Bob" && options.len() == 2
        ));
        assert!(matches!(
            role("DROP ROLE IF EXISTS bob"),
            RoleStatement::DropRole {
                if_exists: true,
                ..
            }
        ));
        assert!(matches!(
            role("CREATE USER IF NOT EXISTS 'u' WITH PASSWORD 'p' SUPERUSER"),
            RoleStatement::CreateUser {
                superuser: Some(true),
                password: Some(_),
                ..
            }
        ));
        assert!(matches!(
            role("ALTER USER u NOSUPERUSER"),
            RoleStatement::AlterUser {
                superuser: Some(false),
                password: None,
                ..
            }
        ));
        assert!(matches!(
            role("DROP USER u"),
            RoleStatement::DropUser { .. }
        ));
        assert!(matches!(
            role("CREATE ROLE r WITH GENERATED PASSWORD"),
            RoleStatement::CreateRole { options, .. } if options == vec![RoleOption::GeneratedPassword]
        ));
    }

    #[test]
    fn grants_revokes_and_lists() {
        assert_eq!(
            role("GRANT SELECT, MODIFY PERMISSION ON KEYSPACE ks TO alice"),
            RoleStatement::Grant {
                permissions: Permissions::Some(vec![Permission::Select, Permission::Modify]),
                resource: Resource::Keyspace("ks".into()),
                role: "alice".into()
            }
        );
        assert!(matches!(
            role("GRANT ALL PERMISSIONS ON ALL KEYSPACES TO r"),
            RoleStatement::Grant {
                permissions: Permissions::All,
                resource: Resource::AllKeyspaces,
                ..
            }
        ));
        assert!(matches!(
            role("REVOKE EXECUTE ON FUNCTION ks.f(int) FROM r"),
            RoleStatement::Revoke {
                resource: Resource::Function { .. },
                ..
            }
        ));
        assert!(matches!(
            role("GRANT SELECT ON ks.t TO r"),
            RoleStatement::Grant {
                resource: Resource::Table(_),
                ..
            }
        ));
        assert!(matches!(
            role("GRANT DESCRIBE ON ALL ROLES TO r"),
            RoleStatement::Grant {
                resource: Resource::AllRoles,
                ..
            }
        ));
        assert!(matches!(
            role("GRANT EXECUTE ON ALL FUNCTIONS IN KEYSPACE ks TO r"),
            RoleStatement::Grant {
                resource: Resource::AllFunctions { keyspace: Some(_) },
                ..
            }
        ));
        assert!(matches!(
            role("GRANT SELECT ON MBEAN 'org:type=x' TO r"),
            RoleStatement::Grant {
                resource: Resource::Mbean(_),
                ..
            }
        ));
        assert!(matches!(
            role("GRANT admin TO alice"),
            RoleStatement::GrantRole { .. }
        ));
        assert!(matches!(
            role("REVOKE admin FROM alice"),
            RoleStatement::RevokeRole { .. }
        ));
        assert!(matches!(
            role("LIST ALL PERMISSIONS ON TABLE ks.t OF alice NORECURSIVE"),
            RoleStatement::ListPermissions {
                recursive: false,
                role: Some(_),
                resource: Some(_),
                ..
            }
        ));
        assert!(matches!(
            role("LIST ALL"),
            RoleStatement::ListPermissions { .. }
        ));
        assert!(matches!(
            role("LIST ROLES OF alice"),
            RoleStatement::ListRoles {
                of: Some(_),
                recursive: true
            }
        ));
        assert_eq!(role("LIST USERS"), RoleStatement::ListUsers);
    }

    #[test]
    fn rejections() {
        for bad in [
            "CREATE ROLE",
            "CREATE ROLE r WITH LOGIN = 'yes'",
            "CREATE ROLE r WITH PASSWORD 'x'",
            "GRANT SELECT ON TO r",
            "GRANT SELECT ks.t TO r",
            "GRANT FLY ON ks.t TO r",
            "REVOKE SELECT ON ks.t TO r",
            "LIST",
            "CREATE USER u WITH PASSWORD",
            "DROP ROLE ?",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
