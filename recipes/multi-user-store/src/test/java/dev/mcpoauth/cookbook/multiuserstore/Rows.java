package dev.mcpoauth.cookbook.multiuserstore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Raw access to the token store's table, as an attacker with the database (and not the keys) sees it. */
final class Rows {

    private final DataSource dataSource;

    Rows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    List<Map<String, String>> all() {
        return query("SELECT * FROM upstream_connection ORDER BY user_id");
    }

    Map<String, String> of(String userId) {
        List<Map<String, String>> rows = query("SELECT * FROM upstream_connection WHERE user_id = '" + userId.replace("'", "") + "'");
        return rows.isEmpty() ? null : rows.get(0);
    }

    int update(String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes the stored access token look like it expires at {@code epochSecond} (metadata only; the token is untouched). */
    void setAccessExpiry(String userId, long epochSecond) {
        update("UPDATE upstream_connection SET access_expires_at = ? WHERE user_id = ?", epochSecond, userId);
    }

    private List<Map<String, String>> query(String sql) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            List<Map<String, String>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnName(i).toLowerCase(), rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
