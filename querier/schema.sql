-- Dumped from a database migrated to head; regenerate with `uv run python -m querier.gen`.

CREATE TYPE public.chat_message_role AS ENUM (
    'user',
    'assistant',
    'system',
    'tool'
);

CREATE TYPE public.chat_status AS ENUM (
    'waiting',
    'pending',
    'running',
    'paused',
    'completed',
    'error'
);

CREATE TYPE public.user_status AS ENUM (
    'active',
    'suspended',
    'dormant'
);

CREATE TABLE public.api_keys (
    id text NOT NULL,
    hashed_secret bytea NOT NULL,
    user_id uuid NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used timestamp with time zone DEFAULT now() NOT NULL,
    scopes text[] DEFAULT '{all}'::text[] NOT NULL,
    allow_list text[] DEFAULT '{*:*}'::text[] NOT NULL,
    CONSTRAINT api_keys_allow_list_nonempty CHECK ((cardinality(allow_list) > 0)),
    CONSTRAINT api_keys_hashed_secret_length CHECK ((octet_length(hashed_secret) = 32)),
    CONSTRAINT api_keys_id_format CHECK ((id ~ '^[a-z0-9]{10,32}$'::text)),
    CONSTRAINT api_keys_scopes_nonempty CHECK ((cardinality(scopes) > 0))
);

CREATE TABLE public.chat_files (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    owner_id uuid NOT NULL,
    organization_id uuid,
    name text NOT NULL,
    mimetype text NOT NULL,
    data bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.chat_messages (
    id bigint NOT NULL,
    chat_id uuid NOT NULL,
    created_by uuid,
    role public.chat_message_role NOT NULL,
    content jsonb NOT NULL,
    model_config_id uuid,
    input_tokens bigint DEFAULT 0 NOT NULL,
    output_tokens bigint DEFAULT 0 NOT NULL,
    total_cost_micros bigint DEFAULT 0 NOT NULL,
    deleted boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT chat_messages_input_tokens_nonnegative CHECK ((input_tokens >= 0)),
    CONSTRAINT chat_messages_output_tokens_nonnegative CHECK ((output_tokens >= 0)),
    CONSTRAINT chat_messages_total_cost_nonnegative CHECK ((total_cost_micros >= 0))
);

CREATE SEQUENCE public.chat_messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.chat_messages_id_seq OWNED BY public.chat_messages.id;

CREATE TABLE public.chat_model_configs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    provider text NOT NULL,
    model text NOT NULL,
    display_name text DEFAULT ''::text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    context_limit integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT chat_model_configs_context_limit_positive CHECK ((context_limit > 0)),
    CONSTRAINT chat_model_configs_default_is_enabled CHECK (((NOT is_default) OR enabled)),
    CONSTRAINT chat_model_configs_model_not_empty CHECK ((model <> ''::text)),
    CONSTRAINT chat_model_configs_provider_not_empty CHECK ((provider <> ''::text))
);

CREATE TABLE public.chats (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    owner_id uuid NOT NULL,
    organization_id uuid,
    title text NOT NULL,
    status public.chat_status DEFAULT 'waiting'::public.chat_status NOT NULL,
    last_model_config_id uuid,
    archived boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    user_acl jsonb DEFAULT '{}'::jsonb NOT NULL,
    group_acl jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT chats_group_acl_object CHECK ((jsonb_typeof(group_acl) = 'object'::text)),
    CONSTRAINT chats_user_acl_object CHECK ((jsonb_typeof(user_acl) = 'object'::text))
);

CREATE TABLE public.custom_roles (
    organization_id uuid NOT NULL,
    name text NOT NULL,
    display_name text DEFAULT ''::text NOT NULL,
    org_permissions text[] DEFAULT '{}'::text[] NOT NULL,
    member_permissions text[] DEFAULT '{}'::text[] NOT NULL,
    version bigint DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.demo_seeds (
    id boolean DEFAULT true NOT NULL,
    seeded_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT demo_seeds_single_row CHECK (id)
);

CREATE TABLE public.group_members (
    group_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.groups (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    organization_id uuid NOT NULL,
    name text NOT NULL,
    display_name text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT groups_not_everyone CHECK ((id <> organization_id))
);

CREATE TABLE public.organization_members (
    user_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    roles text[] DEFAULT '{}'::text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.organizations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    display_name text DEFAULT ''::text NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT organizations_name_not_empty CHECK ((name <> ''::text))
);

CREATE TABLE public.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email text NOT NULL,
    username text NOT NULL,
    rbac_roles text[] DEFAULT '{}'::text[] NOT NULL,
    status public.user_status DEFAULT 'active'::public.user_status NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_email_not_empty CHECK ((email <> ''::text)),
    CONSTRAINT users_username_not_empty CHECK ((username <> ''::text))
);

ALTER TABLE ONLY public.chat_messages ALTER COLUMN id SET DEFAULT nextval('public.chat_messages_id_seq'::regclass);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.chat_files
    ADD CONSTRAINT chat_files_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.chat_model_configs
    ADD CONSTRAINT chat_model_configs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT chats_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.custom_roles
    ADD CONSTRAINT custom_roles_pkey PRIMARY KEY (organization_id, name);

ALTER TABLE ONLY public.demo_seeds
    ADD CONSTRAINT demo_seeds_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.group_members
    ADD CONSTRAINT group_members_pkey PRIMARY KEY (group_id, user_id);

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_id_organization_id_key UNIQUE (id, organization_id);

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_organization_id_name_key UNIQUE (organization_id, name);

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.organization_members
    ADD CONSTRAINT organization_members_pkey PRIMARY KEY (organization_id, user_id);

ALTER TABLE ONLY public.organizations
    ADD CONSTRAINT organizations_name_key UNIQUE (name);

ALTER TABLE ONLY public.organizations
    ADD CONSTRAINT organizations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE INDEX api_keys_user_id_idx ON public.api_keys USING btree (user_id);

CREATE INDEX chat_files_owner_id_idx ON public.chat_files USING btree (owner_id);

CREATE INDEX chat_messages_chat_id_idx ON public.chat_messages USING btree (chat_id, id);

CREATE UNIQUE INDEX chat_model_configs_single_default ON public.chat_model_configs USING btree (is_default) WHERE is_default;

CREATE INDEX chats_created_at_id_idx ON public.chats USING btree (created_at DESC, id DESC);

CREATE INDEX chats_group_acl_idx ON public.chats USING gin (group_acl jsonb_path_ops);

CREATE INDEX chats_organization_id_idx ON public.chats USING btree (organization_id, created_at DESC, id DESC);

CREATE INDEX chats_owner_id_idx ON public.chats USING btree (owner_id, created_at DESC, id DESC);

CREATE INDEX chats_user_acl_idx ON public.chats USING gin (user_acl jsonb_path_ops);

CREATE INDEX group_members_user_id_idx ON public.group_members USING btree (user_id);

CREATE INDEX organization_members_user_id_idx ON public.organization_members USING btree (user_id);

CREATE UNIQUE INDEX organizations_single_default ON public.organizations USING btree (is_default) WHERE is_default;

CREATE INDEX users_created_at_id_idx ON public.users USING btree (created_at, id);

CREATE UNIQUE INDEX users_email_key ON public.users USING btree (lower(email));

CREATE UNIQUE INDEX users_username_key ON public.users USING btree (lower(username));

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.chat_files
    ADD CONSTRAINT chat_files_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.chat_files
    ADD CONSTRAINT chat_files_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.chat_messages
    ADD CONSTRAINT chat_messages_model_config_id_fkey FOREIGN KEY (model_config_id) REFERENCES public.chat_model_configs(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT chats_last_model_config_id_fkey FOREIGN KEY (last_model_config_id) REFERENCES public.chat_model_configs(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT chats_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT chats_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.custom_roles
    ADD CONSTRAINT custom_roles_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.group_members
    ADD CONSTRAINT group_members_group_fkey FOREIGN KEY (group_id, organization_id) REFERENCES public.groups(id, organization_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.group_members
    ADD CONSTRAINT group_members_member_fkey FOREIGN KEY (organization_id, user_id) REFERENCES public.organization_members(organization_id, user_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.organization_members
    ADD CONSTRAINT organization_members_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.organization_members
    ADD CONSTRAINT organization_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;
