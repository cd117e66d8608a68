//! Roles, users and permissions.

use std::fmt;

use super::{CqlType, Identifier, QualifiedName, StringLiteral, Term, write_list};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleOption {
    Password(String),
    HashedPassword(String),
    /// `GENERATED PASSWORD`.
    GeneratedPassword,
    Superuser(bool),
    Login(bool),
    /// `OPTIONS = {...}` for custom role managers.
    Options(Vec<(Term, Term)>),
    AccessToDatacenters(Vec<String>),
    AccessToAllDatacenters,
    AccessFromCidrs(Vec<String>),
    AccessFromAllCidrs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPassword {
    pub hashed: bool,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Create,
    Alter,
    Drop,
    Select,
    Modify,
    Authorize,
    Describe,
    Execute,
    Unmask,
    SelectMasked,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::Create,
        Permission::Alter,
        Permission::Drop,
        Permission::Select,
        Permission::Modify,
        Permission::Authorize,
        Permission::Describe,
        Permission::Execute,
        Permission::Unmask,
        Permission::SelectMasked,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            Permission::Create => "CREATE",
            Permission::Alter => "ALTER",
            Permission::Drop => "DROP",
            Permission::Select => "SELECT",
            Permission::Modify => "MODIFY",
            Permission::Authorize => "AUTHORIZE",
            Permission::Describe => "DESCRIBE",
            Permission::Execute => "EXECUTE",
            Permission::Unmask => "UNMASK",
            Permission::SelectMasked => "SELECT_MASKED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permissions {
    All,
    Some(Vec<Permission>),
}

/// What a permission applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    AllKeyspaces,
    Keyspace(String),
    Table(QualifiedName),
    AllRoles,
    Role(String),
    AllFunctions {
        keyspace: Option<String>,
    },
    Function {
        name: QualifiedName,
        argument_types: Vec<CqlType>,
    },
    AllMbeans,
    Mbean(String),
    Mbeans(String),
}

/// Role, user and permission statements. Role names keep the case of string
/// literals and quoted names; bare names are lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleStatement {
    CreateRole {
        name: String,
        if_not_exists: bool,
        options: Vec<RoleOption>,
    },
    AlterRole {
        name: String,
        if_exists: bool,
        options: Vec<RoleOption>,
    },
    DropRole {
        name: String,
        if_exists: bool,
    },
    CreateUser {
        name: String,
        if_not_exists: bool,
        password: Option<UserPassword>,
        superuser: Option<bool>,
    },
    AlterUser {
        name: String,
        if_exists: bool,
        password: Option<UserPassword>,
        superuser: Option<bool>,
    },
    DropUser {
        name: String,
        if_exists: bool,
    },
    Grant {
        permissions: Permissions,
        resource: Resource,
        role: String,
    },
    Revoke {
        permissions: Permissions,
        resource: Resource,
        role: String,
    },
    GrantRole {
        role: String,
        grantee: String,
    },
    RevokeRole {
        role: String,
        revokee: String,
    },
    ListPermissions {
        permissions: Permissions,
        resource: Option<Resource>,
        role: Option<String>,
        recursive: bool,
    },
    ListRoles {
        of: Option<String>,
        recursive: bool,
    },
    ListUsers,
}

impl fmt::Display for RoleOption {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |items: &[String]| {
            items
                .iter()
                .map(|item| StringLiteral(item).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            RoleOption::Password(value) => write!(formatter, "PASSWORD = {}", StringLiteral(value)),
            RoleOption::HashedPassword(value) => {
                write!(formatter, "HASHED PASSWORD = {}", StringLiteral(value))
            }
            RoleOption::GeneratedPassword => formatter.write_str("GENERATED PASSWORD"),
            RoleOption::Superuser(value) => write!(formatter, "SUPERUSER = {value}"),
            RoleOption::Login(value) => write!(formatter, "LOGIN = {value}"),
            RoleOption::Options(entries) => {
                write!(formatter, "OPTIONS = {}", Term::Map(entries.clone()))
            }
            RoleOption::AccessToDatacenters(names) => {
                write!(formatter, "ACCESS TO DATACENTERS {{{}}}", quoted(names))
            }
            RoleOption::AccessToAllDatacenters => formatter.write_str("ACCESS TO ALL DATACENTERS"),
            RoleOption::AccessFromCidrs(names) => {
                write!(formatter, "ACCESS FROM CIDRS {{{}}}", quoted(names))
            }
            RoleOption::AccessFromAllCidrs => formatter.write_str("ACCESS FROM ALL CIDRS"),
        }
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Permissions::All => formatter.write_str("ALL PERMISSIONS"),
            Permissions::Some(permissions) => write_list(
                formatter,
                permissions.iter().map(|permission| permission.keyword()),
                ", ",
            ),
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::AllKeyspaces => formatter.write_str("ALL KEYSPACES"),
            Resource::Keyspace(name) => write!(formatter, "KEYSPACE {}", Identifier(name)),
            Resource::Table(name) => write!(formatter, "TABLE {name}"),
            Resource::AllRoles => formatter.write_str("ALL ROLES"),
            Resource::Role(name) => write!(formatter, "ROLE {}", StringLiteral(name)),
            Resource::AllFunctions { keyspace: None } => formatter.write_str("ALL FUNCTIONS"),
            Resource::AllFunctions {
                keyspace: Some(keyspace),
            } => write!(
                formatter,
                "ALL FUNCTIONS IN KEYSPACE {}",
                Identifier(keyspace)
            ),
            Resource::Function {
                name,
                argument_types,
            } => {
                write!(formatter, "FUNCTION {name}(")?;
                write_list(formatter, argument_types, ", ")?;
                formatter.write_str(")")
            }
            Resource::AllMbeans => formatter.write_str("ALL MBEANS"),
            Resource::Mbean(name) => write!(formatter, "MBEAN {}", StringLiteral(name)),
            Resource::Mbeans(name) => write!(formatter, "MBEANS {}", StringLiteral(name)),
        }
    }
}

fn write_role_options(formatter: &mut fmt::Formatter<'_>, options: &[RoleOption]) -> fmt::Result {
    if options.is_empty() {
        return Ok(());
    }
    formatter.write_str(" WITH ")?;
    write_list(formatter, options, " AND ")
}

fn write_user_options(
    formatter: &mut fmt::Formatter<'_>,
    password: &Option<UserPassword>,
    superuser: &Option<bool>,
) -> fmt::Result {
    if let Some(password) = password {
        let hashed = if password.hashed { "HASHED " } else { "" };
        write!(
            formatter,
            " WITH {hashed}PASSWORD {}",
            StringLiteral(&password.value)
        )?;
    }
    match superuser {
        Some(true) => formatter.write_str(" SUPERUSER"),
        Some(false) => formatter.write_str(" NOSUPERUSER"),
        None => Ok(()),
    }
}

impl fmt::Display for RoleStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exists = |flag: bool, text: &'static str| if flag { text } else { "" };
        match self {
            RoleStatement::CreateRole {
                name,
                if_not_exists,
                options,
            } => {
                let clause = exists(*if_not_exists, "IF NOT EXISTS ");
                write!(formatter, "CREATE ROLE {clause}{}", StringLiteral(name))?;
                write_role_options(formatter, options)
            }
            RoleStatement::AlterRole {
                name,
                if_exists,
                options,
            } => {
                let clause = exists(*if_exists, "IF EXISTS ");
                write!(formatter, "ALTER ROLE {clause}{}", StringLiteral(name))?;
                write_role_options(formatter, options)
            }
            RoleStatement::DropRole { name, if_exists } => {
                let clause = exists(*if_exists, "IF EXISTS ");
                write!(formatter, "DROP ROLE {clause}{}", StringLiteral(name))
            }
            RoleStatement::CreateUser {
                name,
                if_not_exists,
                password,
                superuser,
            } => {
                let clause = exists(*if_not_exists, "IF NOT EXISTS ");
                write!(formatter, "CREATE USER {clause}{}", StringLiteral(name))?;
                write_user_options(formatter, password, superuser)
            }
            RoleStatement::AlterUser {
                name,
                if_exists,
                password,
                superuser,
            } => {
                let clause = exists(*if_exists, "IF EXISTS ");
                write!(formatter, "ALTER USER {clause}{}", StringLiteral(name))?;
                write_user_options(formatter, password, superuser)
            }
            RoleStatement::DropUser { name, if_exists } => {
                let clause = exists(*if_exists, "IF EXISTS ");
                write!(formatter, "DROP USER {clause}{}", StringLiteral(name))
            }
            RoleStatement::Grant {
                permissions,
                resource,
                role,
            } => write!(
                formatter,
                "GRANT {permissions} ON {resource} TO {}",
                StringLiteral(role)
            ),
            RoleStatement::Revoke {
                permissions,
                resource,
                role,
            } => write!(
                formatter,
                "REVOKE {permissions} ON {resource} FROM {}",
                StringLiteral(role)
            ),
            RoleStatement::GrantRole { role, grantee } => write!(
                formatter,
                "GRANT {} TO {}",
                StringLiteral(role),
                StringLiteral(grantee)
            ),
            RoleStatement::RevokeRole { role, revokee } => write!(
                formatter,
                "REVOKE {} FROM {}",
                StringLiteral(role),
                StringLiteral(revokee)
            ),
            RoleStatement::ListPermissions {
                permissions,
                resource,
                role,
                recursive,
            } => {
                write!(formatter, "LIST {permissions}")?;
                if let Some(resource) = resource {
                    write!(formatter, " ON {resource}")?;
                }
                if let Some(role) = role {
                    write!(formatter, " OF {}", StringLiteral(role))?;
                }
                if !recursive {
                    formatter.write_str(" NORECURSIVE")?;
                }
                Ok(())
            }
            RoleStatement::ListRoles { of, recursive } => {
                formatter.write_str("LIST ROLES")?;
                if let Some(role) = of {
                    write!(formatter, " OF {}", StringLiteral(role))?;
                }
                if !recursive {
                    formatter.write_str(" NORECURSIVE")?;
                }
                Ok(())
            }
            RoleStatement::ListUsers => formatter.write_str("LIST USERS"),
        }
    }
}
